import pLimit from "p-limit";
import { TenantSyncError } from "../errors.ts";
import { describeApiError } from "../kube/api-errors.ts";
import type { ClusterClient } from "../kube/cluster-client.ts";
import {
  ANNOTATION_CONTENT_HASH,
  ANNOTATION_TENANT_KEY,
  LABEL_RESOURCE,
  LABEL_TEMPLATE_SET,
  LABEL_TENANT,
  managedSelector,
  tenantLabelValue,
} from "../kube/labels.ts";
import type { KubeMetadata, KubeObject } from "../kube/object-ref.ts";
import { objectKey } from "./object-key.ts";

/** What the sweep keeps of one live managed object: identity, ownership labels and the content hash. */
export interface LiveObject {
  key: string;
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
  tenantLabel: string | undefined;
  /** The exact tenant key from the annotation, when it agrees with the tenant label. */
  tenantKey: string | undefined;
  templateSet: string | undefined;
  resourceId: string | undefined;
  hash: string | undefined;
  /** Has a deletion timestamp: on its way out, so neither live nor to be deleted. */
  deleting: boolean;
}

/** Called for each live object's metadata as its page arrives. */
export type OnLive = (apiVersion: string, kind: string, meta: KubeMetadata) => void;

const PAGE = 500;
/** Tenant label values per `in (...)` selector when listing whole objects: keeps the URL short. */
const LABELS_PER_LIST = 40;

/**
 * Lists every managed object of the given kinds in one cluster, once per kind, page by page (the API server
 * serves each page from one consistent snapshot), as metadata only: labels and annotations are all the
 * comparison needs, and each page is handed to `onLive` and dropped. Whole objects are listed (and returned,
 * by object key) only for the tenants being deep-checked. A kind the cluster no longer serves has no objects;
 * any other failure fails the whole listing, since a partial picture could make live objects look missing.
 */
export async function listLive(
  client: ClusterClient,
  kinds: Iterable<{ apiVersion: string; kind: string }>,
  onLive: OnLive,
  options: { labelSelector?: string; fullFor?: readonly string[]; concurrency?: number },
): Promise<Map<string, KubeObject>> {
  const selector = [managedSelector(), options.labelSelector].filter(Boolean).join(",");
  const full = new Map<string, KubeObject>();
  const fullFor = options.fullFor ?? [];
  const limit = pLimit(options.concurrency ?? 4);
  const failed = (apiVersion: string, kind: string) => (error: unknown) => {
    throw new TenantSyncError(
      `listing ${apiVersion} ${kind} on cluster ${client.name}: ${describeApiError(error)}`,
    );
  };
  await Promise.all(
    [...kinds].map(({ apiVersion, kind }) =>
      limit(async () => {
        try {
          await client.mapping(apiVersion, kind);
        } catch (error) {
          if (/does not serve kind/.test((error as Error).message)) return;
          throw error;
        }
        let continueToken: string | undefined;
        do {
          const page = await client
            .listMetadataPage(apiVersion, kind, selector, { limit: PAGE, continueToken })
            .catch(failed(apiVersion, kind));
          for (const item of page.items) onLive(apiVersion, kind, item.metadata);
          continueToken = page.continueToken;
        } while (continueToken);
        for (let start = 0; start < fullFor.length; start += LABELS_PER_LIST) {
          const tenants = fullFor.slice(start, start + LABELS_PER_LIST).join(",");
          let next: string | undefined;
          do {
            const page = await client
              .listPage(apiVersion, kind, `${selector},${LABEL_TENANT} in (${tenants})`, {
                limit: PAGE,
                continueToken: next,
              })
              .catch(failed(apiVersion, kind));
            for (const item of page.items) {
              const key = objectKey(
                client.name,
                apiVersion,
                kind,
                item.metadata.namespace,
                item.metadata.name,
              );
              full.set(key, item);
            }
            next = page.continueToken;
          } while (next);
        }
      }),
    ),
  );
  return full;
}

/** What the comparison keeps of a live object that no desired object accounts for. */
export function liveObject(
  cluster: string,
  apiVersion: string,
  kind: string,
  meta: KubeMetadata,
): LiveObject {
  const labels = meta.labels ?? {};
  const annotations = meta.annotations ?? {};
  const tenantLabel = labels[LABEL_TENANT];
  const annotated = annotations[ANNOTATION_TENANT_KEY];
  const namespace = meta.namespace ?? "";
  return {
    key: objectKey(cluster, apiVersion, kind, namespace, meta.name),
    apiVersion,
    kind,
    namespace,
    name: meta.name,
    tenantLabel,
    // An annotation that disagrees with the label was edited by hand: trust neither blindly.
    tenantKey: annotated !== undefined && tenantLabelValue(annotated) === tenantLabel ? annotated : undefined,
    templateSet: labels[LABEL_TEMPLATE_SET],
    resourceId: labels[LABEL_RESOURCE],
    hash: annotations[ANNOTATION_CONTENT_HASH],
    deleting: meta.deletionTimestamp !== undefined && meta.deletionTimestamp !== null,
  };
}
