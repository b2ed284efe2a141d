import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { kubeconfigNeedles, registeredNeedles } from "../support/log-scan/needles.ts";
import { describeFinding, scanDirectory } from "../support/log-scan/scan.ts";

const b64 = (text: string) => Buffer.from(text).toString("base64");
const KEY_BODY = "MHcCAQEEIPlantedPrivateKeyBodyLineThatIsLongEnoughToBeUnique0123";
const KEY_PEM = `-----BEGIN EC PRIVATE KEY-----\n${KEY_BODY}\nAwEHoUQDQgAEplantedSecondLineOfTheKey==\n-----END EC PRIVATE KEY-----\n`;
const CERT_PEM =
  "-----BEGIN CERTIFICATE-----\nMIIBplantedCertificateBodyLineForTheScannerTestAAAAAAAAAAAAAAAAAA\n-----END CERTIFICATE-----\n";
const KUBECONFIG = `apiVersion: v1
kind: Config
clusters:
- name: c
  cluster:
    server: https://127.0.0.1:1
    certificate-authority-data: ${b64(CERT_PEM)}
users:
- name: u
  user:
    client-certificate-data: ${b64(CERT_PEM)}
    client-key-data: ${b64(KEY_PEM)}
- name: t
  user:
    token: planted-token-0123456789
`;

function logDir(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tenant-sync-scan-"));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

describe("the secret scan", () => {
  const needles = [
    ...kubeconfigNeedles(KUBECONFIG, "planted.kubeconfig"),
    { kind: "database password", value: "tenant-sync-local", word: true },
    { kind: "webhook secret", value: "whsec-planted", word: true },
  ];

  it("finds every planted secret, naming its kind, file and line but never the value", () => {
    const dir = logDir({
      "worker.log": [
        '{"level":"INFO","message":"fine"}',
        `{"level":"ERROR","error":"bad key ${b64(KEY_PEM)}"}`,
        `stack trace quoting the key file: ${KEY_BODY}`,
        "postgres://tenant_sync:tenant-sync-local@127.0.0.1:15432/db",
        "signature checked with whsec-planted",
        "Authorization: Bearer planted-token-0123456789",
        "x509: certificate signed by unknown authority (tenant-sync-local-ca)",
        "-----BEGIN PRIVATE KEY-----",
      ].join("\n"),
      "db-scratch.jsonl": `{"table":"tenant_sync_status","message":"token eyJhbGciOiJSUzI1.eyJzdWIiOiJzeXN0.c2lnbmF0dXJlLXBhcnQ"}\n`,
    });
    const { findings, files, lines } = scanDirectory(dir, needles);
    expect(files).toBe(2);
    expect(lines).toBeGreaterThanOrEqual(9);
    const seen = findings.map((f) => `${path.basename(f.file)}:${f.line} ${f.kind}`).sort();
    expect(seen).toEqual(
      [
        "worker.log:2 kubeconfig client-key-data of planted.kubeconfig",
        "worker.log:3 kubeconfig client-key-data of planted.kubeconfig (PEM body)",
        "worker.log:4 database password",
        "worker.log:5 webhook secret",
        "worker.log:6 kubeconfig token of planted.kubeconfig",
        "worker.log:6 bearer token (Authorization header)",
        "worker.log:8 PEM private key",
        "db-scratch.jsonl:1 bearer token (JWT)",
      ].sort(),
    );
    // The CA's name contains the password as a prefix: a whole-token match only, so line 7 is clean.
    for (const finding of findings) {
      const text = describeFinding(finding, dir);
      expect(text).toMatch(/^secret scan: .+ in [\w.-]+:\d+$/);
      for (const needle of needles) expect(text).not.toContain(needle.value);
    }
  });

  it("passes a clean directory", () => {
    const dir = logDir({
      "clean.log": '{"level":"INFO","message":"tenant reconciled","tenantKey":"acme"}\n',
    });
    expect(scanDirectory(dir, needles).findings).toEqual([]);
  });

  it("reads registered secrets, and refuses a malformed registry naming the line", () => {
    const file = path.join(logDir({}), "secrets.jsonl");
    fs.writeFileSync(file, `${JSON.stringify({ kind: "webhook secret", value: "s1" })}\n`);
    expect(registeredNeedles(file)).toEqual([{ kind: "webhook secret", value: "s1", word: true }]);
    fs.appendFileSync(file, '{"kind": 1}\n');
    expect(() => registeredNeedles(file)).toThrow(/secrets\.jsonl:2: expected/);
  });
});
