// The pure half of the sync engine: template sets in, objects out. No Kubernetes, no database.
export { canonicalJson, contentHash } from "./canonical.ts";
export {
  findCycles,
  type GraphNode,
  teardownLevels,
  teardownOrder,
  topologicalLevels,
  topologicalOrder,
  transitiveDependents,
} from "./graph.ts";
export { HELPER_NAMES, hash8, toDnsLabel, toDnsSubdomain, truncateWithHash } from "./helpers.ts";
export type { JsonObject, JsonValue } from "./json-value.ts";
export { type LoadProblem, TemplateSetError } from "./load-problem.ts";
export { loadTemplateSet, loadTemplateSetFromFiles, loadTemplateSets, MANIFEST_FILE } from "./loader.ts";
export type * from "./model.ts";
export { CONFLICT_POLICIES, CREATION_POLICIES, DELETION_POLICIES } from "./model.ts";
export {
  type FailedResource,
  type RenderedResource,
  type ResourceRender,
  renderTenant,
  type TenantRender,
} from "./render.ts";
export { RenderError, type RenderErrorDetails } from "./render-error.ts";
export { SelectorError, selects } from "./selector.ts";
export { RESERVED_NAMES, type Row } from "./view.ts";
