import { describe, expect, it } from "vitest";
import { canonicalJson, contentHash } from "../../lib/templates/canonical.ts";
import {
  applyHelper,
  hash8,
  toDnsLabel,
  toDnsSubdomain,
  truncateWithHash,
} from "../../lib/templates/helpers.ts";
import { isDnsLabel, isDnsSubdomain } from "../../lib/templates/k8s-names.ts";

const text = (value: string) => ({ text: value, value });

describe("dnsLabel", () => {
  it("lowercases and replaces invalid characters", () => {
    expect(toDnsLabel("Acme Corp.")).toBe("acme-corp");
    expect(toDnsLabel("ACME_Widgets--Inc")).toBe("acme-widgets-inc");
    expect(toDnsLabel("--x--")).toBe("x");
  });

  it("folds accents and replaces other unicode", () => {
    expect(toDnsLabel("Zürich Café")).toBe("zurich-cafe");
    expect(toDnsLabel("東京 Tokyo 🚀")).toBe("tokyo");
  });

  it("truncates long names to 63 with a stable hash of the input", () => {
    const long = `${"Very Long Tenant Name ".repeat(6)}Ltd`;
    const label = toDnsLabel(long);
    // The cut lands on a '-', which is dropped so the label stays valid: 53 + 1 + 8 characters.
    const head = "very-long-tenant-name-".repeat(3).slice(0, 54).replace(/-+$/, "");
    expect(label).toBe(`${head}-${hash8(long)}`);
    expect(label.length).toBeLessThanOrEqual(63);
    expect(isDnsLabel(label)).toBe(true);
    expect(toDnsLabel(long)).toBe(label);
    // Names equal up to the cut still differ.
    expect(toDnsLabel(`${long}x`)).not.toBe(label);
  });

  it("keeps a 63-character name as is", () => {
    const exact = "a".repeat(63);
    expect(toDnsLabel(exact)).toBe(exact);
  });

  it("refuses to produce an empty name", () => {
    expect(() => applyHelper("dnsLabel", text("!!!"))).toThrow(
      'helper dnsLabel produced an empty name from "!!!": the value has no letters or digits',
    );
    expect(() => applyHelper("dnsSubdomain", text("東京"))).toThrow(
      /helper dnsSubdomain produced an empty name/,
    );
  });
});

describe("dnsSubdomain", () => {
  it("keeps dots and cleans each part", () => {
    expect(toDnsSubdomain("Shop.Acme-Corp.example")).toBe("shop.acme-corp.example");
    expect(toDnsSubdomain("a..-b-.c")).toBe("a.b.c");
  });

  it("truncates to 253 with a hash suffix", () => {
    const long = Array.from({ length: 40 }, (_, i) => `part${i}`).join(".");
    const name = toDnsSubdomain(long);
    expect(name.length).toBeLessThanOrEqual(253);
    expect(isDnsSubdomain(name)).toBe(true);
    expect(name.endsWith(`-${hash8(long)}`)).toBe(true);
  });
});

describe("other helpers", () => {
  it("trunc63 leaves short text and cuts long text with a stable hash", () => {
    expect(applyHelper("trunc63", text("short"))).toBe("short");
    const long = "x".repeat(100);
    const cut = applyHelper("trunc63", text(long));
    expect(cut).toHaveLength(63);
    expect(cut).toBe(`${"x".repeat(54)}-${hash8(long)}`);
    expect(truncateWithHash("abc-".repeat(30), 63)).toMatch(/^(abc-){13}ab-[0-9a-f]{8}$/);
  });

  it("hash8 is the first 8 hex digits of sha256", () => {
    // sha256("abc") = ba7816bf8f01cfea...
    expect(applyHelper("hash8", text("abc"))).toBe("ba7816bf");
  });

  it("base64, lower, upper", () => {
    expect(applyHelper("base64", text("tenant_ä"))).toBe(Buffer.from("tenant_ä").toString("base64"));
    expect(applyHelper("lower", text("AbC"))).toBe("abc");
    expect(applyHelper("upper", text("AbC"))).toBe("ABC");
  });

  it("json encodes the typed value with sorted keys", () => {
    expect(applyHelper("json", { text: "", value: { b: 1, a: [true, null] } })).toBe(
      '{"a":[true,null],"b":1}',
    );
    expect(applyHelper("json", text('say "hi"'))).toBe('"say \\"hi\\""');
  });
});

describe("canonicalJson and contentHash", () => {
  it("does not depend on key order", () => {
    const a = { kind: "X", metadata: { name: "n", labels: { b: "2", a: "1" } } };
    const b = { metadata: { labels: { a: "1", b: "2" }, name: "n" }, kind: "X" };
    expect(canonicalJson(a)).toBe(canonicalJson(b));
    expect(canonicalJson(a)).toBe('{"kind":"X","metadata":{"labels":{"a":"1","b":"2"},"name":"n"}}');
    expect(contentHash(a)).toBe(contentHash(b));
    expect(contentHash(a)).toMatch(/^[0-9a-f]{64}$/);
    expect(contentHash({ ...a, kind: "Y" })).not.toBe(contentHash(a));
  });

  it("refuses values that are not JSON", () => {
    expect(() => canonicalJson({ a: Number.NaN })).toThrow(/not a JSON number/);
    expect(() => canonicalJson({ a: 1n })).toThrow(/bigint is not a JSON value/);
  });
});
