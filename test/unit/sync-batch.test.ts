import { describe, expect, it } from "vitest";
import { processBatch, type QueueRecord } from "../../lib/pipeline/sync/sync-batch.ts";
import { outcome } from "./batch-fixtures.ts";

const silent = { debug() {}, info() {}, warn() {}, error() {} } as never;
const record = (id: string, tenant: string, body?: string): QueueRecord => ({
  messageId: id,
  groupId: tenant,
  receiveCount: 1,
  body: body ?? JSON.stringify({ tenant, reason: "update", at: "2026-11-25T10:00:00.000Z" }),
});

describe("processBatch", () => {
  it("reconciles each tenant once for all of its messages, and reports no failures", async () => {
    const calls: [string, number][] = [];
    const result = await processBatch(
      [record("1", "a"), record("2", "b"), record("3", "a")],
      async (tenant, messages) => {
        calls.push([tenant, messages.length]);
        return outcome(tenant);
      },
      silent,
    );
    expect(calls.sort()).toEqual([
      ["a", 2],
      ["b", 1],
    ]);
    expect(result.failed).toEqual([]);
  });

  it("returns every message of a group whose reconcile failed or asked for a retry, and only that group", async () => {
    const result = await processBatch(
      [record("1", "a"), record("2", "b"), record("3", "a"), record("4", "c")],
      async (tenant) => {
        if (tenant === "a") throw new Error("database unreachable");
        return outcome(tenant, tenant === "c");
      },
      silent,
    );
    expect(result.failed.sort()).toEqual(["1", "3", "4"]);
  });

  it("returns only a poison message, still reconciling the valid messages of its group, before and after it", async () => {
    const reconciled: string[] = [];
    const result = await processBatch(
      [record("1", "a"), record("2", "a", "{not json"), record("3", "a"), record("4", "b", '{"tenant": 5}')],
      async (tenant) => {
        reconciled.push(tenant);
        return outcome(tenant);
      },
      silent,
    );
    expect(reconciled).toEqual(["a"]);
    expect(result.failed.sort()).toEqual(["2", "4"]);
  });
});
