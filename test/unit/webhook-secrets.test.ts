import type { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { describe, expect, it } from "vitest";
import { parseSecretList, webhookSecretSource } from "../../lib/pipeline/webhook/webhook-secrets.ts";

function fakeClient(values: (string | Error)[]) {
  const calls: string[] = [];
  const client = {
    send: async (command: GetSecretValueCommand) => {
      calls.push(command.input.SecretId as string);
      const value = values.shift();
      if (value instanceof Error) throw value;
      return { SecretString: value };
    },
  } as unknown as SecretsManagerClient;
  return { client, calls };
}

describe("webhook secrets", () => {
  it("parses comma- or newline-separated lists, dropping blanks", () => {
    expect(parseSecretList(" a, b\nc,,\n")).toEqual(["a", "b", "c"]);
    expect(parseSecretList("")).toEqual([]);
  });

  it("uses the given secrets when no secret id is set", async () => {
    expect(await webhookSecretSource({ secrets: "x,y" })()).toEqual(["x", "y"]);
  });

  it("reads Secrets Manager once per TTL", async () => {
    let now = 0;
    const { client, calls } = fakeClient(["one,two", "three"]);
    const source = webhookSecretSource({
      secretId: "tenant-sync/webhook",
      client: () => client,
      ttlMs: 100,
      now: () => now,
    });
    expect(await source()).toEqual(["one", "two"]);
    now = 99;
    expect(await source()).toEqual(["one", "two"]);
    now = 100;
    expect(await source()).toEqual(["three"]);
    expect(calls).toEqual(["tenant-sync/webhook", "tenant-sync/webhook"]);
  });

  it("names the secret id but not the value when reading fails or finds nothing", async () => {
    const failing = Object.assign(new Error("denied: whsec-leak"), { name: "AccessDeniedException" });
    const { client } = fakeClient([failing, " , "]);
    const source = webhookSecretSource({ secretId: "hooks", client: () => client });
    await expect(source()).rejects.toThrow("reading webhook secret hooks failed: AccessDeniedException");
    await expect(source()).rejects.toThrow("webhook secret hooks holds no secret string");
  });
});
