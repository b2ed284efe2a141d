import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { processBatch, type QueueRecord } from "../../lib/pipeline/sync/sync-batch.ts";
import { MessageError, parseTenantMessage, type TenantMessage } from "../../lib/queue/message.ts";
import { outcome } from "./batch-fixtures.ts";
import { hostileString, RUNS } from "./hostile-arbitraries.ts";

const REASONS = ["insert", "update", "delete", "webhook", "sweep", "resync", "rollout"] as const;

interface Logged {
  level: string;
  message: string;
  fields: unknown;
}

function recordingLog() {
  const lines: Logged[] = [];
  const at =
    (level: string) =>
    (message: string, fields?: unknown): void => {
      // What a JSON logger would do with the fields: must not throw for any body.
      JSON.stringify(fields);
      lines.push({ level, message, fields });
    };
  return {
    lines,
    log: { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") } as never,
  };
}

/** A body that is a valid tenant message. */
const validBody = fc
  .record({
    tenant: fc.oneof(
      fc.stringMatching(/^[a-z]{1,6}$/),
      hostileString.filter((s) => s.length > 0 && s.length <= 255),
    ),
    reason: fc.constantFrom(...REASONS),
    at: fc
      .date({ min: new Date("2000-01-01"), max: new Date("2100-01-01"), noInvalidDate: true })
      .map((d) => d.toISOString()),
    outboxId: fc.option(fc.string(), { nil: undefined }),
  })
  .map((message) => JSON.stringify(message));

/** Bodies that are not tenant messages, from plain garbage to almost-right JSON. */
const malformedBody = fc.oneof(
  hostileString,
  fc.string({ unit: "binary" }),
  fc.jsonValue().map((value) => JSON.stringify(value)),
  fc.constantFrom(
    "",
    "null",
    "[]",
    "{}",
    '{"tenant": 5}',
    '{"tenant": "", "reason": "update", "at": "2026-01-01T00:00:00Z"}',
    `{"tenant": "${"x".repeat(256)}", "reason": "update", "at": "2026-01-01T00:00:00Z"}`,
    '{"tenant": "a", "reason": "explode", "at": "2026-01-01T00:00:00Z"}',
    '{"tenant": "a", "reason": "update", "at": "yesterday"}',
    '{"tenant": "a", "reason": "update", "at": "2026-01-01T00:00:00Z", "extra": 1}',
    '{"__proto__": {"tenant": "a"}, "reason": "update", "at": "2026-01-01T00:00:00Z"}',
    '{"tenant": "a", "tenant": {"$ne": null}, "reason": "update", "at": "2026-01-01T00:00:00Z"}',
    "\u0000",
    "\ufeff{}",
    `${"[".repeat(10_000)}${"]".repeat(10_000)}`,
  ),
  // A valid message with one field replaced by anything at all.
  fc
    .tuple(validBody, fc.constantFrom("tenant", "reason", "at", "outboxId", "extra"), fc.jsonValue())
    .map(([body, field, value]) => JSON.stringify({ ...JSON.parse(body), [field]: value })),
);

function isTenantMessage(body: string): boolean {
  try {
    parseTenantMessage(body);
    return true;
  } catch {
    return false;
  }
}

describe("parseTenantMessage on hostile bodies", () => {
  it("returns a tenant message or throws MessageError, nothing else (property)", () => {
    fc.assert(
      fc.property(fc.oneof(validBody, malformedBody), (body) => {
        let parsed: TenantMessage | undefined;
        try {
          parsed = parseTenantMessage(body);
        } catch (error) {
          expect(error).toBeInstanceOf(MessageError);
          expect((error as Error).message).toMatch(/^message body is not (JSON|a tenant message)/);
          // The message quotes at most the start of the body, never all of a huge one.
          expect((error as Error).message.length).toBeLessThan(2000);
          return;
        }
        expect(typeof parsed.tenant).toBe("string");
        expect(parsed.tenant.length).toBeGreaterThan(0);
        expect(parsed.tenant.length).toBeLessThanOrEqual(255);
        expect(REASONS).toContain(parsed.reason);
        expect(Object.keys(parsed).every((key) => ["tenant", "reason", "at", "outboxId"].includes(key))).toBe(
          true,
        );
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it("accepts every valid body (property)", () => {
    fc.assert(
      fc.property(validBody, (body) => {
        expect(parseTenantMessage(body).tenant).toBe(JSON.parse(body).tenant);
      }),
      { numRuns: RUNS },
    );
  });
});

describe("processBatch with malformed bodies", () => {
  // A batch: a few groups (tenants), each a sequence of valid or malformed bodies, interleaved as SQS would.
  const batch = fc
    .array(
      fc.record({
        groupId: fc.oneof(fc.stringMatching(/^[a-z]{1,4}$/), hostileString),
        bodies: fc.array(
          fc.oneof({ weight: 3, arbitrary: validBody }, { weight: 1, arbitrary: malformedBody }),
          {
            minLength: 1,
            maxLength: 5,
          },
        ),
      }),
      { minLength: 1, maxLength: 8 },
    )
    .chain((groups) => {
      const unique = [...new Map(groups.map((group) => [group.groupId, group])).values()];
      const records: QueueRecord[] = unique.flatMap((group, g) =>
        group.bodies.map((body, i) => ({
          messageId: `${g}-${i}`,
          body,
          groupId: group.groupId,
          receiveCount: 1,
        })),
      );
      // Shuffle across groups, keeping each group's own order (FIFO within a group).
      return fc
        .shuffledSubarray(records, { minLength: records.length, maxLength: records.length })
        .map((shuffled) => {
          const next = new Map<string, number>();
          return shuffled.map((record) => {
            const group = records.filter((r) => r.groupId === record.groupId);
            const index = next.get(record.groupId) ?? 0;
            next.set(record.groupId, index + 1);
            return group[index] as QueueRecord;
          });
        });
    });

  it("never throws; fails only the malformed messages; reconciles every valid one (property)", async () => {
    await fc.assert(
      fc.asyncProperty(batch, async (records) => {
        const { log, lines } = recordingLog();
        const reconciled: [string, number][] = [];
        const result = await processBatch(
          records,
          async (tenantKey, messages) => {
            reconciled.push([tenantKey, messages.length]);
            return outcome(tenantKey);
          },
          log,
        );

        // A poison message is returned alone (it dead-letters by itself); the valid messages of its group are
        // reconciled and deleted, since each only says "tenant K may have changed" (issue 14).
        const expectedFailed = records.filter((r) => !isTenantMessage(r.body)).map((r) => r.messageId);
        const expectedCalls = new Map<string, number>();
        for (const record of records) {
          if (!isTenantMessage(record.body)) continue;
          const tenant = parseTenantMessage(record.body).tenant;
          expectedCalls.set(tenant, (expectedCalls.get(tenant) ?? 0) + 1);
        }
        expect([...result.failed].sort()).toEqual(expectedFailed.sort());
        // Every valid message was reconciled, once per tenant and group.
        const calls = new Map<string, number>();
        for (const [tenant, count] of reconciled) calls.set(tenant, (calls.get(tenant) ?? 0) + count);
        expect(calls).toEqual(expectedCalls);
        // Each malformed message is logged as poison with its reason, without the body itself.
        const poisonLines = lines.filter((line) => line.message === "poison message");
        expect(poisonLines.length).toBe(expectedFailed.length);
      }),
      { numRuns: RUNS },
    );
  });

  it("a reconcile that throws anything, even a non-Error, fails only its own group (property)", async () => {
    await fc.assert(
      fc.asyncProperty(batch, fc.anything(), async (records, thrown) => {
        const { log } = recordingLog();
        const groups = [...new Set(records.map((r) => r.groupId))];
        const victim = groups[0] as string;
        const victimTenants = new Set(
          records
            .filter((r) => r.groupId === victim && isTenantMessage(r.body))
            .map((r) => parseTenantMessage(r.body).tenant),
        );
        const result = await processBatch(
          records,
          async (tenantKey) => {
            if (victimTenants.has(tenantKey)) throw thrown;
            return outcome(tenantKey);
          },
          log,
        );
        const failedGroups = new Set(
          records.filter((r) => result.failed.includes(r.messageId)).map((r) => r.groupId),
        );
        for (const groupId of failedGroups) {
          const group = records.filter((r) => r.groupId === groupId);
          const touchesVictim = group.some(
            (r) => isTenantMessage(r.body) && victimTenants.has(parseTenantMessage(r.body).tenant),
          );
          const hasPoison = group.some((r) => !isTenantMessage(r.body));
          expect(touchesVictim || hasPoison).toBe(true);
        }
      }),
      { numRuns: RUNS },
    );
  });
});
