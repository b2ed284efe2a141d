import type { ClusterClient } from "./cluster-client.ts";
import { ANNOTATION_ORPHANED_AT, ANNOTATION_ORPHANED_REASON, OWNERSHIP_LABELS } from "./labels.ts";
import { type KubeObject, refOf } from "./object-ref.ts";

/**
 * Takes back an object tenant-sync left orphaned for this tenant (see `isOrphanOf`): one merge patch puts
 * the desired ownership labels back and removes the orphan marks. It is conditional on the resourceVersion
 * that was read, so an object someone changed in between is not taken (the API server answers 409).
 */
export async function readoptOrphan(
  client: ClusterClient,
  live: KubeObject,
  desired: KubeObject,
): Promise<KubeObject> {
  const wanted = desired.metadata.labels ?? {};
  return client.mergePatch(refOf(live), {
    metadata: {
      resourceVersion: live.metadata.resourceVersion,
      labels: Object.fromEntries(OWNERSHIP_LABELS.map((label) => [label, wanted[label] ?? null])),
      annotations: { [ANNOTATION_ORPHANED_AT]: null, [ANNOTATION_ORPHANED_REASON]: null },
    },
  });
}
