/** Lifecycle policies of one template resource (see docs/templates.md). */
export interface ResourcePolicy {
  creation: "WhenNeeded" | "Once";
  deletion: "Delete" | "Retain";
  conflict: "Stuck" | "Force";
  readiness: { wait: boolean; timeoutSeconds: number; condition?: string };
  ignoreFields: readonly string[];
  skipOnDependencyFailure: boolean;
}

export const DEFAULT_POLICY: ResourcePolicy = {
  creation: "WhenNeeded",
  deletion: "Delete",
  conflict: "Stuck",
  readiness: { wait: true, timeoutSeconds: 300 },
  ignoreFields: [],
  skipOnDependencyFailure: true,
};
