import type { DesiredObject } from "./desired-index.ts";
import { getOrCreate } from "./maps.ts";
import { describeObject } from "./object-key.ts";

/**
 * One object that several tenants render (names that collide after sanitising, say): each tenant's desired
 * object, one per tenant. Only one of them can own it; the comparison decides which (see ClusterComparison).
 */
export interface Contest {
  /** `v1 Namespace col-acme on cluster c`, for the report. */
  object: string;
  claims: DesiredObject[];
}

/** Desired objects per cluster by object key, plus the keys several tenants render. */
export interface Claims {
  objects: Map<string, Map<string, DesiredObject>>;
  /** Per cluster, by object key; absent while no two tenants render the same object. */
  contested?: Map<string, Map<string, Contest>>;
}

/**
 * Records that `object`'s tenant renders it. The first tenant's object stays in `objects`; another tenant's
 * at the same key opens a contest instead of replacing it, so no tenant's claim is lost. Two resources of
 * one tenant at one key stay what they were: the later render wins.
 */
export function addClaim(claims: Claims, object: DesiredObject, apiVersion: string, kind: string): void {
  const objects = getOrCreate(claims.objects, object.cluster, () => new Map());
  const first = objects.get(object.key);
  const contest = claims.contested?.get(object.cluster)?.get(object.key);
  if (first === undefined || first.tenantKey === object.tenantKey) {
    objects.set(object.key, object);
    if (contest) contest.claims[0] = object;
    return;
  }
  claims.contested ??= new Map();
  const open = getOrCreate(
    getOrCreate(claims.contested, object.cluster, () => new Map<string, Contest>()),
    object.key,
    (): Contest => {
      const [, , , namespace, name] = object.key.split("\u0000");
      return {
        object: describeObject(object.cluster, apiVersion, kind, namespace, name ?? ""),
        claims: [first],
      };
    },
  );
  const same = open.claims.findIndex((claim) => claim.tenantKey === object.tenantKey);
  if (same >= 0) open.claims[same] = object;
  else open.claims.push(object);
}
