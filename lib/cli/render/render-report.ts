import { finalizeObject } from "../../engine/desired.ts";
import { describeApiError } from "../../kube/api-errors.ts";
import type { ClusterClient } from "../../kube/cluster-client.ts";
import type { KubeObject, TemplateSet } from "../../templates/model.ts";
import { renderTenant } from "../../templates/render.ts";
import { selects } from "../../templates/selector.ts";
import type { Row } from "../../templates/view.ts";

export interface ResourceView {
  resourceId: string;
  ok: boolean;
  object: KubeObject | null;
  /** Content hash of the rendered object (before tenant-sync's labels and annotations). */
  hash: string | null;
  /** Names tenant, set, resource, file, line and field. */
  error: string | null;
}

export interface SetView {
  name: string;
  version: string;
  /** The set's selector picks this tenant (false only when --set asked for a set it does not pick). */
  selected: boolean;
  defaultNamespace: string | null;
  /** A selector that cannot be evaluated for this row: nothing of the set is rendered. */
  error: string | null;
  /** In dependency order. */
  resources: ResourceView[];
}

/**
 * Renders the sets a tenant gets (or only `setName`, even if its selector does not pick the tenant), each
 * resource independently: a resource that fails is reported and the others still render.
 */
export function renderSets(
  sets: readonly TemplateSet[],
  row: Row,
  tenantKey: string,
  cluster: string,
  setName: string | undefined,
): SetView[] {
  const views: SetView[] = [];
  for (const set of sets) {
    if (setName !== undefined && set.name !== setName) continue;
    const empty = { name: set.name, version: set.version, defaultNamespace: null, resources: [] };
    let selected: boolean;
    try {
      selected = selects(set, row);
    } catch (error) {
      views.push({ ...empty, selected: false, error: (error as Error).message });
      continue;
    }
    if (!selected && setName === undefined) continue;
    const render = renderTenant(set, row, tenantKey, cluster);
    views.push({
      ...empty,
      selected,
      error: null,
      defaultNamespace: render.defaultNamespace ?? null,
      resources: render.resources.map((resource) =>
        resource.ok
          ? {
              resourceId: resource.resourceId,
              ok: true,
              object: resource.object,
              hash: resource.hash,
              error: null,
            }
          : {
              resourceId: resource.resourceId,
              ok: false,
              object: null,
              hash: null,
              error: resource.error.message,
            },
      ),
    });
  }
  return views;
}

/**
 * The objects exactly as the engine applies them: the default namespace on namespaced kinds (known from the
 * cluster's discovery), tenant-sync's labels and annotations, the content hash.
 */
export async function asApplied(
  views: readonly SetView[],
  client: ClusterClient,
  tenantKey: string,
): Promise<SetView[]> {
  return Promise.all(
    views.map(async (view) => ({
      ...view,
      resources: await Promise.all(
        view.resources.map(async (resource): Promise<ResourceView> => {
          if (!resource.ok || !resource.object) return resource;
          const object = resource.object;
          const where = `tenant ${JSON.stringify(tenantKey)}, template set ${view.name}`;
          try {
            const mapping = await client.mapping(object.apiVersion, object.kind);
            const desired = finalizeObject(object, mapping, {
              tenantKey,
              templateSet: view.name,
              templateVersion: view.version,
              resourceId: resource.resourceId,
              defaultNamespace: view.defaultNamespace ?? undefined,
            });
            return desired.ok
              ? { ...resource, object: desired.object, hash: desired.hash }
              : { ...resource, ok: false, object: null, hash: null, error: `${where}: ${desired.message}` };
          } catch (error) {
            return {
              ...resource,
              ok: false,
              object: null,
              hash: null,
              error: `${where}: ${describeApiError(error)}`,
            };
          }
        }),
      ),
    })),
  );
}

/** Every error of the report; each already names its tenant, set and resource. */
export function renderErrors(views: readonly SetView[]): string[] {
  return views.flatMap((view) => [
    ...(view.error ? [view.error] : []),
    ...view.resources.flatMap((resource) => (resource.error ? [resource.error] : [])),
  ]);
}
