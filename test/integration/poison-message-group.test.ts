import { CoreV1Api } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readStatus } from "../../lib/db/status-store.ts";
import type { Engine } from "../../lib/engine/engine.ts";
import { createLog } from "../../lib/log.ts";
import { processBatch } from "../../lib/pipeline/sync/sync-batch.ts";
import { type EngineFixture, engineFixture, writeSets } from "../support/engine.ts";
import { adminKubeConfig, uniqueName } from "../support/stack.ts";
import { queueRecord, spreadNamespace, THREE_API_VERSIONS_SET } from "../support/three-api-versions.ts";

describe("a poison message in a tenant's message group", () => {
  const core = adminKubeConfig().makeApiClient(CoreV1Api);
  const log = createLog("tenant-sync-test");
  const tenant = uniqueName("poison");
  let fixture: EngineFixture;
  let engine: Engine;

  beforeAll(async () => {
    fixture = await engineFixture("postgres", "poison");
    engine = fixture.engine(await fixture.loadSets(writeSets({ spread: THREE_API_VERSIONS_SET })));
    await fixture.insert({ id: tenant, slug: tenant });
  });

  afterAll(async () => {
    await core.deleteNamespace({ name: spreadNamespace(tenant) }).catch(() => {});
    await fixture?.close();
  });

  it("is returned alone; the valid messages around it are reconciled once and deleted", async () => {
    const batch = [queueRecord(tenant), queueRecord(tenant, "{not json"), queueRecord(tenant)];
    const reconciled: number[] = [];
    const result = await processBatch(
      batch,
      (key, messages) => {
        reconciled.push(messages.length);
        return engine.reconcile(key);
      },
      log,
    );
    expect(result.failed).toEqual([batch[1]?.messageId]);
    expect(reconciled).toEqual([2]);
    expect((await readStatus(fixture.db, { tenantKey: tenant }))[0]?.phase).toBe("Ready");
  });
});
