import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { ClusterRegistry } from "../../lib/clusters/cluster-registry.ts";
import { KubeconfigStore } from "../../lib/clusters/kubeconfig-store.ts";
import { type Database, openDatabase } from "../../lib/db/database.ts";
import type { Dialect } from "../../lib/db/dialect.ts";
import { migrate } from "../../lib/db/migrate.ts";
import { createTenantSource, type TenantSource } from "../../lib/db/source.ts";
import { Engine, type VersionResolver } from "../../lib/engine/engine.ts";
import { createLog } from "../../lib/log.ts";
import { loadTemplateSets } from "../../lib/templates/loader.ts";
import type { TemplateSet } from "../../lib/templates/model.ts";
import { createScratchDatabase, type ScratchDatabase } from "./databases.ts";
import { stack } from "./stack.ts";

export const TENANTS_DDL: Record<Dialect, string> = {
  postgres: `CREATE TABLE tenants (
      id varchar(64) PRIMARY KEY, slug varchar(200) NOT NULL, plan varchar(32) NOT NULL DEFAULT 'basic',
      replicas integer NOT NULL DEFAULT 1, note text NOT NULL DEFAULT '', active varchar(8) NOT NULL DEFAULT 'true',
      cluster varchar(64))`,
  mysql: `CREATE TABLE tenants (
      id varchar(64) PRIMARY KEY, slug varchar(200) NOT NULL, plan varchar(32) NOT NULL DEFAULT 'basic',
      replicas int NOT NULL DEFAULT 1, note text NOT NULL, active varchar(8) NOT NULL DEFAULT 'true',
      cluster varchar(64))`,
};

/**
 * The functions' environment for TENANTS_DDL's table in `databaseUrl`, on the local stack: what a LocalRunner,
 * the CLI or loadRuntimeConfig reads. The queue is left out when the test has none.
 */
export function tenantsEnv(options: {
  databaseUrl: string;
  templatesDir: string;
  defaultCluster?: string;
  queueUrl?: string;
}): Record<string, string> {
  const info = stack();
  return {
    TENANT_SYNC_DATABASE_URL: options.databaseUrl,
    TENANT_SYNC_TABLE: "tenants",
    TENANT_SYNC_KEY_COLUMN: "id",
    TENANT_SYNC_ACTIVE_COLUMN: "active",
    TENANT_SYNC_CLUSTER_COLUMN: "cluster",
    TENANT_SYNC_DEFAULT_CLUSTER: options.defaultCluster ?? info.clusterName,
    ...(options.queueUrl === undefined ? {} : { TENANT_SYNC_QUEUE_URL: options.queueUrl }),
    TENANT_SYNC_SECRET_PREFIX: info.secretPrefix,
    TENANT_SYNC_TEMPLATES_DIR: options.templatesDir,
  };
}

/** Writes template sets into a temporary folder: { set: { "templateset.yaml": "...", "x.yaml.mustache": "..." } }. */
export function writeSets(sets: Record<string, Record<string, string>>, dir?: string): string {
  const root = dir ?? fs.mkdtempSync(path.join(os.tmpdir(), "tenant-sync-sets-"));
  for (const [name, files] of Object.entries(sets)) {
    const setDir = path.join(root, name);
    fs.rmSync(setDir, { recursive: true, force: true });
    fs.mkdirSync(setDir, { recursive: true });
    for (const [file, text] of Object.entries(files)) fs.writeFileSync(path.join(setDir, file), text);
  }
  return root;
}

export interface EngineFixture {
  db: Database;
  scratch: ScratchDatabase;
  clusters: ClusterRegistry;
  /** The tenants table as the engine reads it (active and cluster columns, the stack's cluster by default). */
  source: TenantSource;
  /** An engine on the given sets; a versionResolver pins tenants to older versions (rollouts). */
  engine(sets: readonly TemplateSet[], options?: { versionResolver?: VersionResolver }): Engine;
  loadSets(dir: string): Promise<TemplateSet[]>;
  insert(row: Record<string, unknown>): Promise<void>;
  update(id: string, changes: Record<string, unknown>): Promise<void>;
  remove(id: string): Promise<void>;
  close(): Promise<void>;
}

/** A migrated scratch database with a tenants table, and engines wired to the local stack's cluster. */
export async function engineFixture(
  dialect: Dialect,
  prefix: string,
  options: { tenantsDdl?: string; concurrency?: number } = {},
): Promise<EngineFixture> {
  const info = stack();
  const scratch = await createScratchDatabase(dialect, prefix);
  const db = openDatabase(scratch.url, { poolSize: 16 });
  await migrate(db);
  await db.query(options.tenantsDdl ?? TENANTS_DDL[dialect]);
  const clusters = new ClusterRegistry(
    new KubeconfigStore(new SecretsManagerClient({}), { prefix: info.secretPrefix }),
  );
  const source = createTenantSource(db, {
    table: "tenants",
    keyColumn: "id",
    activeColumn: "active",
    clusterColumn: "cluster",
    defaultCluster: info.clusterName,
  });
  const log = createLog("tenant-sync-test");
  const placeholders = (n: number) => Array.from({ length: n }, (_, i) => `$${i + 1}`).join(", ");
  return {
    db,
    scratch,
    clusters,
    source,
    engine: (sets, extra = {}) =>
      new Engine({ sets, db, source, clusters, log, concurrency: options.concurrency ?? 8, ...extra }),
    loadSets: (dir) => loadTemplateSets(dir),
    async insert(row) {
      const full = { note: "", ...row };
      const columns = Object.keys(full);
      await db.query(
        `INSERT INTO tenants (${columns.join(", ")}) VALUES (${placeholders(columns.length)})`,
        Object.values(full),
      );
    },
    async update(id, changes) {
      const columns = Object.keys(changes);
      const sets = columns.map((c, i) => `${c} = $${i + 1}`).join(", ");
      await db.query(`UPDATE tenants SET ${sets} WHERE id = $${columns.length + 1}`, [
        ...Object.values(changes),
        id,
      ]);
    },
    async remove(id) {
      await db.query("DELETE FROM tenants WHERE id = $1", [id]);
    },
    async close() {
      await db.close();
      await scratch.drop();
    },
  };
}
