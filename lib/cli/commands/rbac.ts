import type { Command } from "commander";
import type { Subject } from "../../rbac/cluster-role.ts";
import { generateRbac } from "../../rbac/generate.ts";
import { cliClusters } from "../clusters.ts";
import { action, type CliContext } from "../context.ts";
import { cliTemplatesDir, type EnvironmentOptions } from "../environment.ts";
import { EXIT } from "../exit-codes.ts";
import { writeJson } from "../io.ts";
import { jsonOption } from "../options.ts";

interface RbacOptions extends Omit<EnvironmentOptions, "templates"> {
  json?: boolean;
  templates?: string[];
  name: string;
  user: string[];
  group: string[];
  cluster?: string;
}

const collect = (value: string, previous: string[]) => [...previous, value];

export function registerRbac(program: Command, context: CliContext): void {
  const command = program
    .command("rbac")
    .description(
      "print the ClusterRole and ClusterRoleBinding tenant-sync needs for the kinds the template sets render " +
        "(get, list, create, patch, delete on exactly those kinds); apply it with an admin identity",
    )
    .option(
      "--templates <dir...>",
      "template sets folders (default: $TENANT_SYNC_TEMPLATES_DIR, else the repository's templates/)",
    )
    .option("--name <name>", "name of the ClusterRole and its binding", "tenant-sync")
    .option("--user <name>", "user the role is bound to (repeatable; default tenant-sync)", collect, [])
    .option(
      "--group <name>",
      "group the role is bound to (repeatable), e.g. an EKS access entry's",
      collect,
      [],
    )
    .option(
      "--cluster <name>",
      "resolve kinds that are not built in (CRDs) by discovery on this cluster (kubeconfig from Secrets Manager)",
    );
  jsonOption(command).action(
    action<RbacOptions>(context, async (_args, options) => {
      const subjects: Subject[] = [
        ...options.group.map((name) => ({ kind: "Group" as const, name })),
        ...options.user.map((name) => ({ kind: "User" as const, name })),
      ];
      if (subjects.length === 0) subjects.push({ kind: "User", name: "tenant-sync" });
      const templateDirs = options.templates?.length ? options.templates : [cliTemplatesDir({})];
      const cluster = options.cluster;
      const yaml = await generateRbac({
        templateDirs,
        name: options.name,
        subjects,
        resolve: cluster
          ? async (apiVersion, kind) => {
              const client = await cliClusters(process.env.TENANT_SYNC_SECRET_PREFIX).client(cluster);
              return (await client.mapping(apiVersion, kind)).plural;
            }
          : undefined,
      });
      if (options.json) writeJson(context.io, { yaml });
      else context.io.stdout.write(yaml);
      return EXIT.ok;
    }),
  );
}
