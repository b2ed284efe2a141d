import {
  AuthorizationV1Api,
  type KubernetesObject,
  KubernetesObjectApi,
  PatchStrategy,
} from "@kubernetes/client-node";
import { parseAllDocuments } from "yaml";
import { ClusterClient } from "../../lib/kube/cluster-client.ts";
import type { KindResource } from "../../lib/rbac/builtin-resources.ts";
import { clusterRoleYaml } from "../../lib/rbac/cluster-role.ts";
import { generateRbac } from "../../lib/rbac/generate.ts";
import { adminKubeConfig, eventually, tenantSyncKubeConfig, uniqueName } from "./stack.ts";

interface Rule {
  apiGroups: string[];
  resources: string[];
}

const TENANT_SYNC = [{ kind: "User" as const, name: "tenant-sync" }];

async function applyAsAdmin(yaml: string): Promise<() => Promise<void>> {
  const api = adminKubeConfig().makeApiClient(KubernetesObjectApi);
  const objects = parseAllDocuments(yaml)
    .map((document) => document.toJS() as KubernetesObject | null)
    .filter((object): object is KubernetesObject => object !== null);
  for (const object of objects) {
    await api.patch(object, undefined, undefined, "tenant-sync-test", true, PatchStrategy.ServerSideApply);
  }
  // The RBAC authorizer reads from an informer: wait until tenant-sync is really allowed what was granted.
  const review = tenantSyncKubeConfig().makeApiClient(AuthorizationV1Api);
  const rules = (objects.find((object) => object.kind === "ClusterRole") as { rules?: Rule[] } | undefined)
    ?.rules;
  for (const rule of rules ?? []) {
    for (const resource of rule.resources) {
      await eventually(`tenant-sync may list ${resource}`, async () => {
        const { status } = await review.createSelfSubjectAccessReview({
          body: { spec: { resourceAttributes: { group: rule.apiGroups[0], resource, verb: "list" } } },
        });
        return status?.allowed === true;
      });
    }
  }
  return async () => {
    await Promise.allSettled(objects.reverse().map((object) => api.delete(object)));
  };
}

/**
 * What an operator does for a custom template set (docs/rbac.md): generate the extra ClusterRole for the
 * kinds the sets in `dir` render with `tenant-sync rbac` (CRDs resolved by discovery) and apply it as admin.
 * Returns the cleanup. Tests whose sets stay within the example kinds need none of this.
 */
export async function grantTemplateKinds(dir: string): Promise<() => Promise<void>> {
  const discovery = new ClusterClient("local", adminKubeConfig());
  const yaml = await generateRbac({
    templateDirs: [dir],
    name: uniqueName("tenant-sync-test"),
    subjects: TENANT_SYNC,
    resolve: async (apiVersion, kind) => (await discovery.mapping(apiVersion, kind)).plural,
  });
  return applyAsAdmin(yaml);
}

/** The same for tests that write objects without a template set (the applier's). */
export async function grantResources(resources: readonly KindResource[]): Promise<() => Promise<void>> {
  const yaml = clusterRoleYaml(resources, {
    name: uniqueName("tenant-sync-test"),
    subjects: TENANT_SYNC,
    sets: [],
  });
  return applyAsAdmin(yaml);
}
