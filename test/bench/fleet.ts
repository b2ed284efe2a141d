import { CoreV1Api, type KubeConfig } from "@kubernetes/client-node";
import pLimit from "p-limit";
import { exampleTenant } from "../../infra/example/tenants.ts";
import { finalizeRendered } from "../../lib/engine/desired.ts";
import type { ClusterClient } from "../../lib/kube/cluster-client.ts";
import type { KubeObject } from "../../lib/kube/object-ref.ts";
import type { TemplateResource, TemplateSet } from "../../lib/templates/model.ts";
import { renderTenant } from "../../lib/templates/render.ts";
import { selects } from "../../lib/templates/selector.ts";

/** `count` example tenant rows whose keys start with `prefix` (each method gets its own, so all create). */
export const exampleRows = (prefix: string, count: number) =>
  Array.from({ length: count }, (_, i) => exampleTenant(prefix, i));

/** The namespace the example webapp set gives a tenant. */
export const tenantNamespace = (row: Record<string, unknown>) => `tenant-${row.slug as string}`;

/** One object a template set gives a tenant, finalized as the engine would, with where it came from. */
export interface DesiredResource {
  set: TemplateSet;
  resource: TemplateResource;
  object: KubeObject;
  hash: string;
}

/**
 * The resources the example sets give a tenant, rendered and labelled exactly as the engine would: the row
 * as the database returns it (settings parsed from JSON).
 */
export async function desiredResources(
  client: ClusterClient,
  sets: readonly TemplateSet[],
  row: Record<string, unknown>,
): Promise<DesiredResource[]> {
  const key = row.id as string;
  const values = { ...row, settings: JSON.parse(row.settings as string) };
  const desired: DesiredResource[] = [];
  for (const set of sets) {
    if (!selects(set, values)) continue;
    const render = renderTenant(set, values, key, client.name);
    for (const rendered of render.resources) {
      if (!rendered.ok) throw rendered.error;
      const mapping = await client.mapping(rendered.object.apiVersion, rendered.object.kind);
      const result = finalizeRendered(rendered, mapping, render);
      if (!result.ok) throw new Error(result.message);
      const resource = set.resources.find((r) => r.id === rendered.resourceId) as TemplateResource;
      desired.push({ set, resource, object: result.object, hash: result.hash });
    }
  }
  return desired;
}

/** Just the objects of `desiredResources`. */
export async function desiredObjects(
  client: ClusterClient,
  sets: readonly TemplateSet[],
  row: Record<string, unknown>,
): Promise<KubeObject[]> {
  return (await desiredResources(client, sets, row)).map((desired) => desired.object);
}

/**
 * The physical limit: the given objects created by the tightest loop we can write, `inFlight` server-side
 * applies at a time, namespaces first (the objects in them cannot exist before). No reads, no readiness.
 */
export async function bareApply(
  client: ClusterClient,
  objects: readonly KubeObject[],
  inFlight: number,
): Promise<void> {
  const limit = pLimit(inFlight);
  const namespaces = objects.filter((o) => o.kind === "Namespace");
  const rest = objects.filter((o) => o.kind !== "Namespace");
  await Promise.all(namespaces.map((o) => limit(() => client.apply(o))));
  await Promise.all(rest.map((o) => limit(() => client.apply(o))));
}

/**
 * Deletes namespaces and waits until the namespace controller has emptied and removed them, so the next
 * measurement does not share the API server with thousands of deletions in the background.
 */
export async function deleteNamespaces(
  kubeconfig: KubeConfig,
  names: readonly string[],
  timeoutMs = 30 * 60_000,
): Promise<void> {
  const core = kubeconfig.makeApiClient(CoreV1Api);
  const limit = pLimit(32);
  await Promise.all(names.map((name) => limit(() => core.deleteNamespace({ name }).catch(() => undefined))));
  const wanted = new Set(names);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = (await core.listNamespace()).items.filter((n) => wanted.has(n.metadata?.name ?? "")).length;
    if (left === 0) return;
    if (Date.now() > deadline) {
      console.log(`  cleanup: ${left} namespaces still terminating; going on`);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}
