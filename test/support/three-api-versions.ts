import type { QueueRecord } from "../../lib/pipeline/sync/sync-batch.ts";

/**
 * A template set whose objects span three apiVersions (v1, networking.k8s.io/v1, apps/v1), all within the
 * example kinds tenant-sync may manage, and none waiting for readiness: for tests that count discovery and
 * connections per apiVersion.
 */
export const THREE_API_VERSIONS_SET = {
  "templateset.yaml": `name: spread
namespace: "{{#dnsLabel}}spread-{{slug}}{{/dnsLabel}}"
resources:
  - id: namespace
    file: namespace.yaml.mustache
  - id: config
    file: config.yaml.mustache
    dependsOn: [namespace]
  - id: policy
    file: policy.yaml.mustache
    dependsOn: [namespace]
  - id: web
    file: web.yaml.mustache
    dependsOn: [config]
    readiness: { wait: false }
`,
  "namespace.yaml.mustache": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {{namespace}}\n",
  "config.yaml.mustache":
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  plan: {{plan}}\n",
  "policy.yaml.mustache":
    "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: deny-all\nspec:\n  podSelector: {}\n  policyTypes: [Ingress]\n",
  "web.yaml.mustache": `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 0
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec: { containers: [{ name: web, image: "registry.invalid/web:1" }] }
`,
};

/** The namespace THREE_API_VERSIONS_SET gives a tenant with this slug. */
export const spreadNamespace = (slug: string) => `spread-${slug}`;

let sequence = 0;

/** A queue record as the sync function receives it: "tenant K may have changed", or any other body. */
export function queueRecord(tenant: string, body?: string): QueueRecord {
  sequence++;
  return {
    messageId: `m-${sequence}-${tenant}`,
    groupId: tenant,
    receiveCount: 1,
    body: body ?? JSON.stringify({ tenant, reason: "update", at: new Date().toISOString() }),
  };
}
