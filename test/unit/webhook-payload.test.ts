import { describe, expect, it } from "vitest";
import {
  PayloadError,
  parseWebhookPayload,
  tenantKeysOf,
} from "../../lib/pipeline/webhook/webhook-payload.ts";

const target = { table: "tenants", keyColumn: "slug" };
const keys = (payload: object, t = target) => tenantKeysOf(parseWebhookPayload(JSON.stringify(payload)), t);
const base = { table: "tenants", schema: "public", record: null, old_record: null };

describe("parseWebhookPayload", () => {
  it("rejects a body that is not JSON", () => {
    expect(() => parseWebhookPayload("{nope")).toThrow(PayloadError);
    expect(() => parseWebhookPayload("{nope")).toThrow(/not JSON/);
  });

  it("names the field that does not fit the row-change shape", () => {
    expect(() => parseWebhookPayload(JSON.stringify({ ...base, type: "TRUNCATE" }))).toThrow(/type:/);
    expect(() => parseWebhookPayload(JSON.stringify({ ...base, type: "INSERT", record: [1] }))).toThrow(
      /record:/,
    );
    expect(() => parseWebhookPayload(JSON.stringify({ type: "INSERT", record: {} }))).toThrow(/table:/);
  });
});

describe("tenantKeysOf", () => {
  it("takes the key from record for INSERT and UPDATE, from old_record for DELETE", () => {
    expect(keys({ ...base, type: "INSERT", record: { slug: "acme" } })).toEqual(["acme"]);
    expect(
      keys({ ...base, type: "UPDATE", record: { slug: "acme", plan: "pro" }, old_record: { slug: "acme" } }),
    ).toEqual(["acme"]);
    expect(keys({ ...base, type: "DELETE", old_record: { slug: "gone" } })).toEqual(["gone"]);
  });

  it("returns the old and the new key when an UPDATE changed the key", () => {
    expect(keys({ ...base, type: "UPDATE", record: { slug: "new" }, old_record: { slug: "old" } })).toEqual([
      "old",
      "new",
    ]);
  });

  it("turns integer keys into strings", () => {
    expect(keys({ ...base, type: "INSERT", record: { slug: 42 } })).toEqual(["42"]);
  });

  it("matches a schema-qualified table only in that schema", () => {
    const qualified = { table: "app.tenants", keyColumn: "slug" };
    expect(keys({ ...base, schema: "app", type: "INSERT", record: { slug: "a" } }, qualified)).toEqual(["a"]);
    expect(() => keys({ ...base, type: "INSERT", record: { slug: "a" } }, qualified)).toThrow(
      /public\.tenants, not the tenants table app\.tenants/,
    );
  });

  it.each([
    [
      "another table",
      { ...base, table: "users", type: "INSERT", record: { slug: "a" } },
      /not the tenants table/,
    ],
    ["an INSERT without record", { ...base, type: "INSERT" }, /INSERT has no record/],
    [
      "a DELETE without old_record",
      { ...base, type: "DELETE", record: { slug: "a" } },
      /DELETE has no old_record/,
    ],
    [
      "a record without the key",
      { ...base, type: "INSERT", record: { id: 1 } },
      /record has no key column "slug"/,
    ],
    ["a null key", { ...base, type: "INSERT", record: { slug: null } }, /no key column/],
    ["an object key", { ...base, type: "INSERT", record: { slug: { a: 1 } } }, /string or an integer/],
    ["a fractional key", { ...base, type: "INSERT", record: { slug: 1.5 } }, /string or an integer/],
    ["an overlong key", { ...base, type: "INSERT", record: { slug: "x".repeat(256) } }, /longer than/],
    [
      "an UPDATE whose old_record lacks the key",
      { ...base, type: "UPDATE", record: { slug: "a" }, old_record: { plan: "x" } },
      /old_record has no key column/,
    ],
  ])("rejects %s", (_what, payload, message) => {
    expect(() => keys(payload)).toThrow(PayloadError);
    expect(() => keys(payload)).toThrow(message);
  });
});
