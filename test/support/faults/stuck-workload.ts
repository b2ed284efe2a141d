import {
  AppsV1Api,
  type KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  type V1Deployment,
} from "@kubernetes/client-node";
import { ANNOTATION_BEHAVIOUR } from "../../../infra/stack/simulated-behaviour.ts";
import { LABEL_TEMPLATE_SET, managedSelector } from "../../../lib/kube/labels.ts";
import type { Prng } from "./prng.ts";

const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

/** A live webapp Deployment; early in a run there may be none yet, so it looks again for a while. */
async function liveDeployment(apps: AppsV1Api, prng: Prng): Promise<V1Deployment | undefined> {
  for (let attempt = 0; attempt < 15; attempt++) {
    const { items } = await apps.listDeploymentForAllNamespaces({
      labelSelector: `${managedSelector()},${LABEL_TEMPLATE_SET}=webapp`,
    });
    const live = items.filter((d) => !d.metadata?.deletionTimestamp);
    if (live.length > 0) return prng.pick(live);
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
  return undefined;
}

/**
 * A workload that stops becoming ready for a while, then recovers by itself: one live webapp Deployment is
 * pinned never-ready (the simulator's annotation; the product owns no such field, so its applies keep it)
 * for `holdMs`, then unpinned. Returns the Deployment it held, or undefined when none was live.
 */
export async function holdWorkloadNotReady(
  admin: KubeConfig,
  prng: Prng,
  holdMs: number,
): Promise<string | undefined> {
  const apps = admin.makeApiClient(AppsV1Api);
  const target = await liveDeployment(apps, prng);
  if (!target) return undefined;
  const ref = { name: target.metadata?.name as string, namespace: target.metadata?.namespace as string };
  const pin = (behaviour: string | null) =>
    apps.patchNamespacedDeployment(
      { ...ref, body: { metadata: { annotations: { [ANNOTATION_BEHAVIOUR]: behaviour } } } },
      mergePatch,
    );
  await pin("never-ready");
  await new Promise((resolve) => setTimeout(resolve, holdMs));
  // The tenant may be gone meanwhile; then there is nothing to recover.
  await pin(null).catch(() => {});
  return `${ref.namespace}/${ref.name}`;
}
