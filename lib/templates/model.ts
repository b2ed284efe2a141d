export const CREATION_POLICIES = ["WhenNeeded", "Once"] as const;
export const DELETION_POLICIES = ["Delete", "Retain"] as const;
export const CONFLICT_POLICIES = ["Stuck", "Force"] as const;

/** WhenNeeded: keep the object equal to the template. Once: create when absent, never update afterwards. */
export type CreationPolicy = (typeof CREATION_POLICIES)[number];
/** Delete: remove on teardown. Retain: strip our ownership, mark the object orphaned, leave it in place. */
export type DeletionPolicy = (typeof DELETION_POLICIES)[number];
/** Stuck: record an SSA conflict and skip dependents. Force: take ownership of the conflicting fields. */
export type ConflictPolicy = (typeof CONFLICT_POLICIES)[number];

export interface ReadinessPolicy {
  /** Dependents wait until the object is ready (per-kind rules) or the timeout passes. */
  wait: boolean;
  timeoutSeconds: number;
  /** Wait for this status condition to be True, even before the object reports any status. */
  condition?: string;
}

export type SelectorValue = string | number | boolean | null;

/** One condition on a row column; a set applies to a tenant when all of its terms hold. */
export type SelectorTerm =
  | { column: string; op: "in"; values: readonly SelectorValue[] }
  | { column: string; op: "equals"; value: SelectorValue }
  | { column: string; op: "truthy"; value: boolean };

export interface TemplateResource {
  id: string;
  /** File name relative to the set folder, as written in the manifest. */
  file: string;
  /** Path of the file as loaded (the set folder joined with `file`), used in error messages. */
  path: string;
  source: string;
  dependsOn: readonly string[];
  creation: CreationPolicy;
  deletion: DeletionPolicy;
  conflict: ConflictPolicy;
  readiness: ReadinessPolicy;
  /** Dotted field paths another controller owns: never sent after creation. */
  ignoreFields: readonly string[];
  /** When a dependency failed, skip this resource (true) or still apply it (false). */
  skipOnDependencyFailure: boolean;
}

export interface TemplateSet {
  name: string;
  description: string;
  dir: string;
  manifestPath: string;
  /** Short sha256 of the manifest and every resource file: changes exactly when the set's text changes. */
  version: string;
  /** Mustache text of the default namespace for namespaced objects that name none. */
  namespaceTemplate: string | undefined;
  selector: readonly SelectorTerm[];
  /** In manifest order; see topologicalLevels for apply order. */
  resources: readonly TemplateResource[];
}

export type { KubeMetadata, KubeObject } from "../kube/object-ref.ts";
