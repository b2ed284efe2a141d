import { contentHash } from "./canonical.ts";
import { formatPath } from "./field-path.ts";
import { topologicalOrder } from "./graph.ts";
import type { JsonObject } from "./json-value.ts";
import { DNS_LABEL_RULE, isDnsLabel } from "./k8s-names.ts";
import type { KubeObject, TemplateResource, TemplateSet } from "./model.ts";
import { RenderError } from "./render-error.ts";
import { Scope } from "./scope.ts";
import { parseAndSubstitute, type SubstitutedObject } from "./substitute.ts";
import { lineAt, TemplateError } from "./template-error.ts";
import { TokenTable } from "./tokens.ts";
import { validateObject } from "./validate-object.ts";
import { buildView, RESERVED_NAMES, type Row, ViewError } from "./view.ts";
import { parseTemplate, type SectionMode, TokenWriter } from "./writer.ts";

export interface RenderedResource {
  ok: true;
  resourceId: string;
  object: KubeObject;
  /** contentHash of `object`: equal hashes mean equal content. */
  hash: string;
}

export interface FailedResource {
  ok: false;
  resourceId: string;
  error: RenderError;
}

export type ResourceRender = RenderedResource | FailedResource;

export interface TenantRender {
  tenantKey: string;
  cluster: string;
  templateSet: string;
  version: string;
  /**
   * The set's default namespace for this tenant. Objects are returned without it filled in: only the
   * applier knows from discovery which kinds are namespaced.
   */
  defaultNamespace: string | undefined;
  /** In dependency order (dependencies first). */
  resources: ResourceRender[];
}

/**
 * Renders every resource of a set for one tenant. A failing resource does not stop the others; the caller
 * decides what to skip. Problems with the row itself or the default namespace fail every resource with the
 * same error, since no object of the set can be trusted then.
 */
export function renderTenant(set: TemplateSet, row: Row, tenantKey: string, cluster: string): TenantRender {
  const result: TenantRender = {
    tenantKey,
    cluster,
    templateSet: set.name,
    version: set.version,
    defaultNamespace: undefined,
    resources: [],
  };
  const byId = new Map(set.resources.map((resource) => [resource.id, resource]));
  const ordered = topologicalOrder(set.resources).map((id) => byId.get(id) as TemplateResource);
  const reserved = {
    tenant: { key: tenantKey, cluster },
    templateSet: { name: set.name, version: set.version },
  };

  let view: JsonObject;
  try {
    view = buildView(row, reserved);
    if (set.namespaceTemplate !== undefined) {
      result.defaultNamespace = renderDefaultNamespace(set.namespaceTemplate, view);
      view = buildView(row, { ...reserved, namespace: result.defaultNamespace });
    }
  } catch (error) {
    const setError = setLevelError(set, tenantKey, row, error);
    result.resources = ordered.map((resource) => ({ ok: false, resourceId: resource.id, error: setError }));
    return result;
  }

  for (const resource of ordered) {
    try {
      const object = renderResourceObject(resource.source, view);
      result.resources.push({ ok: true, resourceId: resource.id, object, hash: contentHash(object) });
    } catch (error) {
      result.resources.push({
        ok: false,
        resourceId: resource.id,
        error: resourceError(set, resource, tenantKey, row, error),
      });
    }
  }
  return result;
}

/** Renders one template into a validated object; throws TemplateError located in the template. */
export function renderResourceObject(source: string, view: JsonObject): KubeObject {
  const { object, offsetOf } = renderTemplateObject(source, view);
  const problem = validateObject(object)[0];
  if (problem) {
    throw new TemplateError(problem.message, {
      offset: offsetOf(problem.path),
      path: formatPath(problem.path),
    });
  }
  return object as unknown as KubeObject;
}

/** Text -> tokens -> one YAML document -> object with values substituted. No validation of its fields. */
export function renderTemplateObject(
  source: string,
  view: JsonObject,
  mode: SectionMode = "values",
): SubstitutedObject {
  const table = new TokenTable();
  const rendered = new TokenWriter(table, mode).render(parseTemplate(source), new Scope(view));
  return parseAndSubstitute(rendered, table);
}

/** Renders a template as plain text (no YAML): every token becomes its value's string form. */
export function renderText(source: string, view: JsonObject, mode: SectionMode = "values"): string {
  const table = new TokenTable();
  const rendered = new TokenWriter(table, mode).render(parseTemplate(source), new Scope(view));
  return table.resolve(rendered.text);
}

function renderDefaultNamespace(template: string, view: JsonObject): string {
  const namespace = renderText(template, view);
  if (!isDnsLabel(namespace)) {
    throw new TemplateError(`default namespace ${JSON.stringify(namespace)} is not ${DNS_LABEL_RULE}`, {
      path: "namespace",
    });
  }
  return namespace;
}

function setLevelError(set: TemplateSet, tenantKey: string, row: Row, error: unknown): RenderError {
  const isTemplate = error instanceof TemplateError;
  return new RenderError({
    tenantKey,
    templateSet: set.name,
    resourceId: undefined,
    file: set.manifestPath,
    line: undefined,
    fieldPath: isTemplate ? "namespace" : undefined,
    variable: isTemplate ? error.variable : undefined,
    reason: reasonOf(error, row),
  });
}

function resourceError(
  set: TemplateSet,
  resource: TemplateResource,
  tenantKey: string,
  row: Row,
  error: unknown,
): RenderError {
  const isTemplate = error instanceof TemplateError;
  return new RenderError({
    tenantKey,
    templateSet: set.name,
    resourceId: resource.id,
    file: resource.path,
    line: isTemplate && error.offset !== undefined ? lineAt(resource.source, error.offset) : undefined,
    fieldPath: isTemplate ? error.path : undefined,
    variable: isTemplate ? error.variable : undefined,
    reason: reasonOf(error, row),
  });
}

function reasonOf(error: unknown, row: Row): string {
  if (error instanceof TemplateError && error.variable !== undefined) {
    const columns = Object.keys(row).sort();
    const shown = columns.length > 40 ? [...columns.slice(0, 40), "…"] : columns;
    return (
      `${error.message} for this tenant; the row has columns: ${shown.join(", ") || "(none)"}; ` +
      `reserved: ${RESERVED_NAMES.slice(0, 3).join(", ")}`
    );
  }
  if (error instanceof TemplateError || error instanceof ViewError) return error.message;
  // Anything else is a bug in tenant-sync, not in the template; say so rather than blame the template.
  return `internal error while rendering: ${(error as Error)?.message ?? String(error)}`;
}
