/** Enough to address one object: what the inventory stores and what errors name. */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  namespace?: string | undefined;
  name: string;
}

export interface KubeMetadata {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  generation?: number;
  uid?: string;
  [field: string]: unknown;
}

/** A Kubernetes object as rendered from a template or read from the API server. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: KubeMetadata;
  [field: string]: unknown;
}

export function refOf(object: KubeObject): ObjectRef {
  return {
    apiVersion: object.apiVersion,
    kind: object.kind,
    namespace: object.metadata.namespace,
    name: object.metadata.name,
  };
}

/** The API group of an apiVersion ("" for core). */
export function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf("/");
  return slash < 0 ? "" : apiVersion.slice(0, slash);
}

/**
 * Whether two refs address one object. The version is not part of an object's identity: the API server
 * serves the same object under every version of its group (`autoscaling/v2` and `autoscaling/v1`), so a
 * template that only changes the version still names the object it had.
 */
export function sameObjectRef(a: ObjectRef, b: ObjectRef): boolean {
  return (
    groupOf(a.apiVersion) === groupOf(b.apiVersion) &&
    a.kind === b.kind &&
    (a.namespace || "") === (b.namespace || "") &&
    a.name === b.name
  );
}

/** `apps/v1 Deployment acme/web`, the form every error and log line uses. */
export function describeRef(ref: ObjectRef): string {
  return `${ref.apiVersion} ${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ""}${ref.name}`;
}
