import type { ClusterRegistry } from "../clusters/cluster-registry.ts";
import type { TenantRecord, TenantSource } from "../db/source.ts";
import { finalizeRendered } from "../engine/desired.ts";
import type { VersionResolver } from "../engine/engine.ts";
import type { ClusterClient, ResourceMapping } from "../kube/cluster-client.ts";
import { tenantLabelValue } from "../kube/labels.ts";
import type { TemplateSet } from "../templates/model.ts";
import { renderTenant } from "../templates/render.ts";
import { selects } from "../templates/selector.ts";
import { addClaim, type Claims } from "./claims.ts";
import { getOrCreate } from "./maps.ts";
import { deepSliceOf, groupOf, kindKey, objectKey } from "./object-key.ts";
import { type RenderCache, rowDigest } from "./render-cache.ts";
import type { SweepScope } from "./scope.ts";

/**
 * One object a tenant's templates render now: where it goes (the object key) and its content hash, nothing
 * more. A fleet has 100,000 of these in memory, so they stay this small.
 */
export interface DesiredObject {
  key: string;
  tenantKey: string;
  templateSet: string;
  resourceId: string;
  cluster: string;
  hash: string;
  /** creation: Once: never updated after creation, so a different hash is no drift. */
  once: boolean;
  /** Its labels do not match the sweep's label selector: it only accounts for its live object. */
  outOfScope?: true;
}

/** What the sweep knows of one tenant row, to tell orphans from objects that are still wanted. */
export interface TenantState {
  key: string;
  /** The tenant label value its objects carry (the key, or a hash of it). */
  label: string;
  active: boolean;
  cluster: string;
  /** Digest of the row (and cluster): the orphan re-check compares it to see whether the row changed. */
  digest: string;
  /** Per template set: selected, not selected, or the selector could not be decided (then: leave alone). */
  sets: Map<string, "selected" | "unselected" | "error">;
  /** `set\0resource` of resources that failed to render: their objects are left alone. */
  unrenderable: Set<string>;
  /** Template sets with at least one desired object in the sweep's scope (its label selector). */
  scopedSets: Set<string>;
  /** The set versions this tenant renders with, when a rollout pins it to older ones (else the loaded sets). */
  pinned: readonly TemplateSet[] | undefined;
}

/** One set's render for one tenant: its objects (with their kinds), and the ids of the resources that did not render. */
interface SetRender {
  objects: { object: DesiredObject; apiVersion: string; kind: string }[];
  failed: string[];
}

export interface DesiredIndex extends Claims {
  tenants: Map<string, TenantState>;
  /** Rows that exist but cannot be read as tenants, by key: never taken for deleted tenants. */
  invalid: Map<string, string>;
  /** Tenant label value -> tenant key, to attribute an object whose key annotation was removed. */
  byLabel: Map<string, string>;
  /** Kinds rendered per cluster, by kindKey. */
  kinds: Map<string, Map<string, { apiVersion: string; kind: string }>>;
  /** Rows of the tenants in this run's deep-check slice, to render them again in full. */
  deepRows: Map<string, TenantRecord>;
  /** Clusters whose client or discovery failed, with the reason: not swept this run. */
  clusterErrors: Map<string, string>;
  /** Set when paging through the source failed: nothing may be deleted then. */
  sourceError: string | undefined;
  tenantsRead: number;
  renderFailures: number;
  /** Desired objects in the sweep's scope (all without a label selector). */
  desiredObjects: number;
}

export interface DesiredInput {
  source: TenantSource;
  sets: readonly TemplateSet[];
  /** The engine's: which set versions a tenant renders with during a rollout. */
  versionResolver: VersionResolver | undefined;
  clusters: ClusterRegistry;
  cache: RenderCache<SetRender>;
  /** Deep-check slice of this run, or undefined when deep checks are off. */
  deepSlice: { slice: number; period: number; maxTenants: number } | undefined;
  /** The run's label selector, judged on the rendered labels; undefined takes in everything. */
  scope: SweepScope | undefined;
}

/**
 * Pages through every tenant row and renders what each active tenant should have, keeping only where each
 * object goes and its content hash (the same hash the engine writes into the object's annotation).
 */
export async function buildDesiredIndex(input: DesiredInput): Promise<DesiredIndex> {
  const index: DesiredIndex = {
    tenants: new Map(),
    invalid: new Map(),
    byLabel: new Map(),
    objects: new Map(),
    kinds: new Map(),
    deepRows: new Map(),
    clusterErrors: new Map(),
    sourceError: undefined,
    tenantsRead: 0,
    renderFailures: 0,
    desiredObjects: 0,
  };
  const mappings = new MappingLookup(input.clusters, index.clusterErrors);
  try {
    for await (const page of input.source.pageTenants({
      pageSize: 500,
      onInvalid: (invalid) => {
        index.tenantsRead++;
        index.invalid.set(invalid.key, invalid.error.message);
      },
    })) {
      for (const record of page) {
        index.tenantsRead++;
        await addTenant(index, input, mappings, record);
      }
    }
  } catch (error) {
    index.sourceError = `reading tenant source ${input.source.table} failed: ${(error as Error).message}`;
  }
  return index;
}

async function addTenant(
  index: DesiredIndex,
  input: DesiredInput,
  mappings: MappingLookup,
  record: TenantRecord,
): Promise<void> {
  const state: TenantState = {
    key: record.key,
    label: tenantLabelValue(record.key),
    active: record.active,
    cluster: record.cluster,
    digest: rowDigest(record.cluster, record.row),
    sets: new Map(),
    unrenderable: new Set(),
    scopedSets: new Set(),
    pinned: undefined,
  };
  index.tenants.set(record.key, state);
  index.byLabel.set(state.label, record.key);
  if (!record.active) return;
  const slice = input.deepSlice;
  if (
    slice &&
    index.deepRows.size < slice.maxTenants &&
    deepSliceOf(record.key, slice.period) === slice.slice
  ) {
    index.deepRows.set(record.key, record);
  }
  // The versions the engine would render this tenant with: a rollout keeps some tenants on older ones.
  const sets = input.versionResolver
    ? await input.versionResolver.setsFor(record.key, input.sets)
    : input.sets;
  if (sets !== input.sets) state.pinned = sets;
  for (const set of sets) {
    let selected: boolean;
    try {
      selected = selects(set, record.row);
    } catch {
      state.sets.set(set.name, "error");
      continue;
    }
    state.sets.set(set.name, selected ? "selected" : "unselected");
    if (!selected) continue;
    const render = await renderSet(input, mappings, set, record, state.digest);
    for (const id of render.failed) state.unrenderable.add(`${set.name}\u0000${id}`);
    index.renderFailures += render.failed.length;
    for (const { object, apiVersion, kind } of render.objects) {
      if (!object.outOfScope) state.scopedSets.add(set.name);
      addObject(index, object, apiVersion, kind);
    }
  }
}

function addObject(index: DesiredIndex, object: DesiredObject, apiVersion: string, kind: string): void {
  addClaim(index, object, apiVersion, kind);
  if (!object.outOfScope) index.desiredObjects++;
  const kinds = getOrCreate(index.kinds, object.cluster, () => new Map());
  const kk = kindKey(apiVersion, kind);
  if (!kinds.has(kk)) kinds.set(kk, { apiVersion, kind });
}

async function renderSet(
  input: DesiredInput,
  mappings: MappingLookup,
  set: TemplateSet,
  record: TenantRecord,
  tenantDigest: string,
): Promise<SetRender> {
  const cacheKey = `${record.key}\u0000${set.name}`;
  const digest = `${set.version}\u0000${tenantDigest}\u0000${input.scope?.text ?? ""}`;
  const cached = input.cache.get(cacheKey, digest);
  if (cached) return cached;
  const result: SetRender = { objects: [], failed: [] };
  const render = renderTenant(set, record.row, record.key, record.cluster);
  for (const resource of render.resources) {
    if (!resource.ok) {
      result.failed.push(resource.resourceId);
      continue;
    }
    const mapping = await mappings.get(record.cluster, resource.object.apiVersion, resource.object.kind);
    if (!mapping) {
      result.failed.push(resource.resourceId);
      continue;
    }
    const desired = finalizeRendered(resource, mapping, render);
    if (!desired.ok) {
      result.failed.push(resource.resourceId);
      continue;
    }
    const { apiVersion, kind, metadata } = desired.object;
    result.objects.push({
      apiVersion,
      kind,
      object: {
        key: objectKey(record.cluster, apiVersion, kind, metadata.namespace, metadata.name),
        tenantKey: record.key,
        templateSet: set.name,
        resourceId: resource.resourceId,
        cluster: record.cluster,
        hash: desired.hash,
        once: set.resources.find((r) => r.id === resource.resourceId)?.creation === "Once",
        ...(input.scope && !input.scope.takes(metadata.labels) ? { outOfScope: true as const } : {}),
      },
    });
  }
  // A cluster that could not be reached says nothing about the templates: do not remember that render.
  if (!mappings.failed(record.cluster)) input.cache.set(cacheKey, digest, result);
  return result;
}

/**
 * REST mappings (namespaced or not) per cluster and kind, resolved once per run. A cluster whose client or
 * discovery fails is recorded and its resources count as unrenderable, so nothing of it is judged.
 */
class MappingLookup {
  private readonly clusters: ClusterRegistry;
  private readonly errors: Map<string, string>;
  private readonly clients = new Map<string, Promise<ClusterClient | undefined>>();
  private readonly resolved = new Map<string, ResourceMapping | undefined>();

  constructor(clusters: ClusterRegistry, errors: Map<string, string>) {
    this.clusters = clusters;
    this.errors = errors;
  }

  failed(cluster: string): boolean {
    return this.errors.has(cluster);
  }

  async get(cluster: string, apiVersion: string, kind: string): Promise<ResourceMapping | undefined> {
    const key = `${cluster}\u0000${groupOf(apiVersion)}\u0000${apiVersion}\u0000${kind}`;
    if (this.resolved.has(key)) return this.resolved.get(key);
    const client = await this.client(cluster);
    let mapping: ResourceMapping | undefined;
    try {
      mapping = client ? await client.mapping(apiVersion, kind) : undefined;
    } catch (error) {
      // An unknown kind is that resource's problem (the engine reports it); anything else is the cluster's.
      if (!/does not serve kind/.test((error as Error).message)) {
        this.errors.set(cluster, (error as Error).message);
      }
    }
    this.resolved.set(key, mapping);
    return mapping;
  }

  private client(cluster: string): Promise<ClusterClient | undefined> {
    let pending = this.clients.get(cluster);
    if (!pending) {
      pending = this.clusters.client(cluster).catch((error: Error) => {
        this.errors.set(cluster, `cluster ${cluster}: ${error.message}`);
        return undefined;
      });
      this.clients.set(cluster, pending);
    }
    return pending;
  }
}

export type { SetRender };
