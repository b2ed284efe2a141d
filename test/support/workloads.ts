import { AppsV1Api, PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import { statusCode } from "../../lib/kube/api-errors.ts";
import { adminKubeConfig } from "./stack.ts";

const apps = adminKubeConfig().makeApiClient(AppsV1Api);

/** Whether a read finds its object: false on 404, any other error thrown. */
export const exists = (read: () => Promise<unknown>): Promise<boolean> =>
  read().then(
    () => true,
    (error) => {
      if (statusCode(error) === 404) return false;
      throw error;
    },
  );

/** What a deployment controller and kubelet would report; a merge patch, so no resourceVersion race. */
export async function markDeploymentReady(namespace: string, name: string): Promise<void> {
  const live = await apps.readNamespacedDeployment({ name, namespace });
  const replicas = live.spec?.replicas ?? 1;
  await apps.patchNamespacedDeploymentStatus(
    {
      name,
      namespace,
      body: {
        status: {
          observedGeneration: live.metadata?.generation,
          replicas,
          updatedReplicas: replicas,
          readyReplicas: replicas,
          availableReplicas: replicas,
        },
      },
    },
    setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
  );
}
