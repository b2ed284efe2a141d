import type { ResourceMapping } from "../kube/cluster-client.ts";
import {
  ANNOTATION_CONTENT_HASH,
  ANNOTATION_TEMPLATE_VERSION,
  ANNOTATION_TENANT_KEY,
  ownershipLabels,
} from "../kube/labels.ts";
import type { KubeObject } from "../kube/object-ref.ts";
import { contentHash } from "../templates/canonical.ts";
import type { RenderedResource, TenantRender } from "../templates/render.ts";

export interface DesiredContext {
  tenantKey: string;
  templateSet: string;
  templateVersion: string;
  resourceId: string;
  defaultNamespace: string | undefined;
}

export type Desired = { ok: true; object: KubeObject; hash: string } | { ok: false; message: string };

/**
 * The object as it will be applied: namespace filled from the set's default for namespaced kinds, our
 * ownership labels and annotations added, and the content hash over everything else.
 */
export function finalizeObject(
  rendered: KubeObject,
  mapping: ResourceMapping,
  context: DesiredContext,
): Desired {
  const object = structuredClone(rendered);
  const where = `resource ${context.resourceId} (${object.kind} ${object.metadata.name})`;
  if (mapping.namespaced) {
    object.metadata.namespace ??= context.defaultNamespace;
    if (!object.metadata.namespace) {
      return {
        ok: false,
        message: `${where}: ${object.kind} is namespaced but names no metadata.namespace and the template set has no namespace`,
      };
    }
  } else if (object.metadata.namespace) {
    return {
      ok: false,
      message: `${where}: ${object.kind} is cluster-scoped and must not set metadata.namespace`,
    };
  }
  object.metadata.labels = {
    ...object.metadata.labels,
    ...ownershipLabels(context.tenantKey, context.templateSet, context.resourceId),
  };
  object.metadata.annotations = {
    ...object.metadata.annotations,
    [ANNOTATION_TENANT_KEY]: context.tenantKey,
    [ANNOTATION_TEMPLATE_VERSION]: context.templateVersion,
  };
  // The template version is not part of the hash, so a template change that renders the same object is free.
  const hashed = structuredClone(object);
  delete hashed.metadata.annotations?.[ANNOTATION_TEMPLATE_VERSION];
  const hash = contentHash(hashed);
  object.metadata.annotations[ANNOTATION_CONTENT_HASH] = hash;
  return { ok: true, object, hash };
}

/** finalizeObject for a resource as its tenant's render gave it: the render names the tenant, set and version. */
export function finalizeRendered(
  rendered: RenderedResource,
  mapping: ResourceMapping,
  render: TenantRender,
): Desired {
  return finalizeObject(rendered.object, mapping, {
    tenantKey: render.tenantKey,
    templateSet: render.templateSet,
    templateVersion: render.version,
    resourceId: rendered.resourceId,
    defaultNamespace: render.defaultNamespace,
  });
}
