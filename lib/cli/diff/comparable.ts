import { ANNOTATION_CONTENT_HASH } from "../../kube/labels.ts";
import type { KubeObject } from "../../kube/object-ref.ts";

/** Metadata the API server maintains: it differs between any two reads and says nothing about content. */
const SERVER_METADATA = ["managedFields", "resourceVersion", "generation", "uid", "creationTimestamp"];
const OUR_ANNOTATIONS = "tenant-sync.io/";

/**
 * The part of an object a person compares: without status, server-maintained metadata, and tenant-sync's
 * bookkeeping annotations. The content hash stays: it changes exactly when the rendered content does. The
 * template version goes: a template change that renders the same object changes nothing.
 */
export function comparable(object: KubeObject): KubeObject {
  const copy = structuredClone(object);
  delete copy.status;
  for (const field of SERVER_METADATA) delete copy.metadata[field];
  const annotations = copy.metadata.annotations;
  if (annotations) {
    for (const key of Object.keys(annotations)) {
      if (key.startsWith(OUR_ANNOTATIONS) && key !== ANNOTATION_CONTENT_HASH) delete annotations[key];
    }
    if (Object.keys(annotations).length === 0) delete copy.metadata.annotations;
  }
  return copy;
}
