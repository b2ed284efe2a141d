import { describe, expect, it } from "vitest";
import { z } from "zod";
import { loadRuntimeConfig, requireQueueUrl, runtimeConfigProblems } from "../../lib/config.ts";
import { issueLines, parseConfig } from "../../lib/config-parse.ts";
import { ConfigError } from "../../lib/errors.ts";
import { loadWebhookConfig } from "../../lib/pipeline/webhook/webhook-config.ts";
import { sweepOptionsFromEnv } from "../../lib/sweep/options.ts";

const schema = z.object({
  APP_PORT: z.coerce.number().int().min(1),
  APP_NAME: z.string().min(1),
  APP_MODE: z.enum(["a", "b"]).default("a"),
});

function thrown(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("parseConfig", () => {
  it("returns the parsed settings with their defaults", () => {
    expect(parseConfig(schema, { APP_PORT: "80", APP_NAME: "x" }, "app configuration")).toEqual({
      APP_PORT: 80,
      APP_NAME: "x",
      APP_MODE: "a",
    });
  });

  it("throws one ConfigError naming every wrong setting, formatted by z.prettifyError", () => {
    const input = { APP_PORT: "0", APP_MODE: "c" };
    const error = thrown(() => parseConfig(schema, input, "app configuration"));
    const parsed = schema.safeParse(input);
    expect(parsed.success).toBe(false);
    expect(error.message).toBe(`invalid app configuration:\n${z.prettifyError(parsed.error as z.ZodError)}`);
    for (const setting of ["APP_PORT", "APP_NAME", "APP_MODE"])
      expect(error.message).toContain(`at ${setting}`);
    expect(error.field).toBe("APP_PORT, APP_NAME, APP_MODE");
  });

  it("leaves the field out when the problem is the input as a whole", () => {
    const error = thrown(() => parseConfig(schema, "not an object", "app configuration"));
    expect(error.message).toMatch(/^invalid app configuration:\n✖ /);
    expect(error.field).toBeUndefined();
  });
});

describe("issueLines", () => {
  it("gives one `path: message` per issue, `root` standing for the input itself", () => {
    const nested = z.object({ a: z.object({ b: z.number() }) });
    const bad = nested.safeParse({ a: { b: "x" } });
    expect(issueLines(bad.error as z.ZodError)).toEqual([
      "a.b: Invalid input: expected number, received string",
    ]);
    const whole = nested.safeParse(3);
    expect(issueLines(whole.error as z.ZodError, "(body)")[0]).toMatch(/^\(body\): /);
  });
});

describe("the configurations read through parseConfig", () => {
  it("loadRuntimeConfig names the environment variables that are wrong", () => {
    const error = thrown(() => loadRuntimeConfig({ TENANT_SYNC_CONCURRENCY: "0" }));
    expect(error.message).toMatch(/^invalid configuration:\n/);
    expect(error.message).toContain("TENANT_SYNC_DATABASE_URL");
    expect(error.message).toContain("TENANT_SYNC_CONCURRENCY");
    expect(
      runtimeConfigProblems({ TENANT_SYNC_DATABASE_URL: "postgres://h/d", TENANT_SYNC_CONCURRENCY: "0" }),
    ).toEqual([expect.stringMatching(/^TENANT_SYNC_CONCURRENCY: /)]);
  });

  it("the sweep and the webhook settings are ConfigErrors too", () => {
    const sweep = thrown(() => sweepOptionsFromEnv({ TENANT_SYNC_SWEEP_INLINE: "yes" }));
    expect(sweep.message).toMatch(/^invalid sweep configuration:\n/);
    expect(sweep.field).toBe("TENANT_SYNC_SWEEP_INLINE");
    const webhook = thrown(() => loadWebhookConfig({ TENANT_SYNC_WEBHOOK_TOLERANCE_SECONDS: "0" }));
    expect(webhook.message).toMatch(/^invalid webhook configuration:\n/);
    expect(webhook.field).toBe("TENANT_SYNC_WEBHOOK_TOLERANCE_SECONDS");
    expect(thrown(() => loadWebhookConfig({})).field).toBe("TENANT_SYNC_WEBHOOK_SECRET_ID");
  });
});

describe("requireQueueUrl", () => {
  it("returns the queue URL when it is set", () => {
    expect(requireQueueUrl({ queueUrl: "http://sqs/q.fifo" }, "x")).toBe("http://sqs/q.fifo");
  });

  it.each([undefined, ""])(
    "refuses %j with a ConfigError naming TENANT_SYNC_QUEUE_URL and its use",
    (queueUrl) => {
      const error = thrown(() => requireQueueUrl({ queueUrl }, "the relay sends outbox rows to it"));
      expect(error.message).toBe(
        "invalid configuration: TENANT_SYNC_QUEUE_URL is not set (the relay sends outbox rows to it)",
      );
      expect(error.field).toBe("TENANT_SYNC_QUEUE_URL");
    },
  );
});
