import { statusCode } from "../api-errors.ts";
import type { ClusterClient } from "../cluster-client.ts";
import { type KubeObject, refOf } from "../object-ref.ts";

/** The live object `object` names, or undefined when it does not exist. */
export async function readIfExists(
  client: ClusterClient,
  object: KubeObject,
): Promise<KubeObject | undefined> {
  try {
    return await client.get(refOf(object));
  } catch (error) {
    if (statusCode(error) === 404) return undefined;
    throw error;
  }
}
