import http from "node:http";
import https from "node:https";
import {
  ApiException,
  type Configuration,
  HttpMethod,
  type KubeConfig,
  type KubernetesObject,
  KubernetesObjectApi,
  Observable,
  PatchStrategy,
  type RequestContext,
  type V1APIResource,
  type V1APIResourceList,
} from "@kubernetes/client-node";
import { TenantSyncError } from "../errors.ts";
import { statusCode } from "./api-errors.ts";
import { FIELD_MANAGER } from "./labels.ts";
import { describeRef, type KubeMetadata, type KubeObject, type ObjectRef } from "./object-ref.ts";
import { requestDeadline } from "./request-deadline.ts";

export interface ResourceMapping {
  plural: string;
  namespaced: boolean;
}

/** Requests by verb, so benchmarks and the sweep can report reads and writes separately. */
export type RequestCounts = Record<"get" | "list" | "apply" | "patch" | "delete" | "discovery", number>;

/**
 * Longest one API request may take, connect to last byte. The client library connects with undici's 10 s
 * connect timeout but then waits up to 5 minutes for the response headers: a hung API server (or a
 * half-open connection) would hold a tenant, and the sync batch with it, for that long. An API server
 * answers any single object request well within this; a timeout is transient and the queue retries.
 */
export const REQUEST_TIMEOUT_MS = 30_000;

/**
 * Longest one discovery request (the kinds of one apiVersion) may take. The answer is small and served from
 * the API server's memory; a server that does not give it within this is not answering, and every object
 * request waits on discovery, so it is bounded more tightly than other requests.
 */
export const DISCOVERY_TIMEOUT_MS = 5_000;

/**
 * Decides whether a request may go to the cluster at all and learns from how it ended (the registry's
 * circuit breaker); `request` names it for messages ("GET /apis/apps/v1").
 */
export interface RequestGuard {
  run<T>(request: string, send: () => Promise<T>): Promise<T>;
}

export interface ClusterClientOptions {
  guard?: RequestGuard;
  discoveryTimeoutMs?: number;
}

/**
 * Bounds every request and reuses connections. The library (client-node 2.0) gives every request a new
 * undici Agent, so no connection is ever reused: one TLS handshake per request, and TLS state that piles up in
 * native memory (about 45 MiB per sync batch of 10 tenants, measured). The first request's agent, made from this client's kubeconfig,
 * serves every later request; a rotated kubeconfig gets a new client, and with it a new agent.
 */
class ObjectApi extends KubernetesObjectApi {
  timeoutMs = REQUEST_TIMEOUT_MS;
  private dispatcher: ReturnType<RequestContext["getDispatcher"]>;

  constructor(configuration: Configuration) {
    super(configuration);
    // Middlewares run after the library has applied the kubeconfig's authentication (and made its agent).
    this.configuration.middleware.push({
      pre: (context) => {
        const made = context.getDispatcher();
        if (this.dispatcher === undefined) this.dispatcher = made;
        else if (made !== undefined) context.setDispatcher(this.dispatcher);
        return new Observable(Promise.resolve(context));
      },
      post: (response) => new Observable(Promise.resolve(response)),
    });
  }

  protected override requestPromise<T extends KubernetesObject>(
    context: RequestContext,
    type?: string,
    options?: Configuration,
  ): Promise<T> {
    if (!context.getSignal()) context.setSignal(AbortSignal.timeout(requestTimeoutMs(this.timeoutMs)));
    return super.requestPromise(context, type, options);
  }
}

/**
 * The ObjectApi a ClusterClient uses: every request goes through the cluster's guard, and discovery is one
 * request per apiVersion, shared by concurrent callers and cached for the client's life (a warm container's
 * reconciles reuse it). The library's own cache fetches an apiVersion once per concurrent caller and waits
 * on it with the 30 s request timeout.
 */
class GuardedObjectApi extends ObjectApi {
  guard: RequestGuard = { run: (_request, send) => send() };
  discoveryTimeoutMs = DISCOVERY_TIMEOUT_MS;
  onDiscovery: () => void = () => {};
  private readonly discovered = new Map<string, Promise<V1APIResourceList | undefined>>();

  protected override requestPromise<T extends KubernetesObject>(
    context: RequestContext,
    type?: string,
    options?: Configuration,
  ): Promise<T> {
    const request = `${context.getHttpMethod()} ${new URL(context.getUrl()).pathname}`;
    return this.guard.run(request, () => super.requestPromise<T>(context, type, options));
  }

  /** The kind's resource in its apiVersion, or undefined when the API server does not serve it. */
  override async resource(apiVersion: string, kind: string): Promise<V1APIResource | undefined> {
    const cached = this.discovered.get(apiVersion);
    if (cached) {
      const found = (await cached)?.resources.find((r) => r.kind === kind);
      if (found) return found;
      // Not served when the list was fetched: its CRD may have been installed since, so the list is asked again.
      if (this.discovered.get(apiVersion) === cached) this.discovered.delete(apiVersion);
    }
    return (await this.resourceList(apiVersion))?.resources.find((r) => r.kind === kind);
  }

  private resourceList(apiVersion: string): Promise<V1APIResourceList | undefined> {
    let pending = this.discovered.get(apiVersion);
    if (!pending) {
      const fetched = this.fetchResourceList(apiVersion);
      this.discovered.set(apiVersion, fetched);
      fetched.catch(() => {
        if (this.discovered.get(apiVersion) === fetched) this.discovered.delete(apiVersion);
      });
      pending = fetched;
    }
    return pending;
  }

  private async fetchResourceList(apiVersion: string): Promise<V1APIResourceList | undefined> {
    this.onDiscovery();
    const context = this.configuration.baseServer.makeRequestContext(
      this.apiVersionPath(apiVersion),
      HttpMethod.GET,
    );
    context.setHeaderParam("Accept", "application/json, */*;q=0.8");
    // Discovery sets its own (shorter) timeout, so it takes the reconcile's deadline into account itself.
    context.setSignal(AbortSignal.timeout(requestTimeoutMs(this.discoveryTimeoutMs)));
    try {
      return await this.requestPromise<V1APIResourceList & KubernetesObject>(context, "V1APIResourceList");
    } catch (error) {
      // A group/version nobody serves (its CRD not installed): no kinds, asked again next time.
      if (statusCode(error) === 404) return undefined;
      throw error;
    }
  }
}

/**
 * How long one request may take: its own timeout, or less when the reconcile it serves must end sooner
 * (request-deadline.ts), so no request outlives the invocation. Past the deadline a request fails at once
 * (timed out, transient).
 */
export function requestTimeoutMs(ownMs: number): number {
  const deadline = requestDeadline();
  return deadline === undefined ? ownMs : Math.max(1, Math.min(ownMs, deadline - Date.now()));
}

/**
 * One target cluster: server-side apply with the fixed field manager, reads, deletes and lists, plus the
 * REST mapping of any kind (core, CRDs) from discovery, cached per apiVersion and shared by concurrent callers.
 * Every request passes the guard (the registry's circuit breaker for this cluster).
 */
export class ClusterClient {
  readonly name: string;
  readonly counts: RequestCounts = { get: 0, list: 0, apply: 0, patch: 0, delete: 0, discovery: 0 };
  private readonly api: GuardedObjectApi;
  private readonly config: KubeConfig;
  private readonly guard: RequestGuard | undefined;

  constructor(name: string, config: KubeConfig, options: ClusterClientOptions = {}) {
    this.name = name;
    this.config = config;
    this.guard = options.guard;
    this.api = config.makeApiClient(GuardedObjectApi);
    if (options.guard) this.api.guard = options.guard;
    if (options.discoveryTimeoutMs !== undefined) this.api.discoveryTimeoutMs = options.discoveryTimeoutMs;
    this.api.onDiscovery = () => this.counts.discovery++;
  }

  /** REST mapping from discovery; a kind the cached list lacks is asked again, since its CRD may be new. */
  async mapping(apiVersion: string, kind: string): Promise<ResourceMapping> {
    const resource = await this.api.resource(apiVersion, kind).catch((error: Error) => {
      throw new TenantSyncError(
        `cluster ${this.name}: discovery of ${apiVersion} failed: ${error.message.split("\n")[0]}`,
      );
    });
    if (!resource) {
      throw new TenantSyncError(
        `cluster ${this.name}: the API server does not serve kind ${kind} in ${apiVersion} (is its CRD installed?)`,
      );
    }
    return { plural: resource.name, namespaced: resource.namespaced };
  }

  /** Server-side apply; `force` takes ownership of conflicting fields, `dryRun` changes nothing. */
  async apply(
    object: KubeObject,
    options: { force?: boolean; dryRun?: boolean; fieldManager?: string } = {},
  ): Promise<KubeObject> {
    this.counts.apply++;
    return (await this.api.patch(
      structuredClone(object) as KubernetesObject,
      undefined,
      options.dryRun ? "All" : undefined,
      options.fieldManager ?? FIELD_MANAGER,
      options.force ?? false,
      PatchStrategy.ServerSideApply,
    )) as KubeObject;
  }

  /** JSON merge patch, for metadata-only changes that must not alter the ownership of other fields. */
  async mergePatch(ref: ObjectRef, patch: Record<string, unknown>): Promise<KubeObject> {
    this.counts.patch++;
    return (await this.api.patch(
      {
        ...patch,
        apiVersion: ref.apiVersion,
        kind: ref.kind,
        metadata: { ...(patch.metadata as object), ...meta(ref) },
      },
      undefined,
      undefined,
      `${FIELD_MANAGER}-metadata`,
      undefined,
      PatchStrategy.MergePatch,
    )) as KubeObject;
  }

  async get(ref: ObjectRef): Promise<KubeObject> {
    this.counts.get++;
    return (await this.api.read({
      apiVersion: ref.apiVersion,
      kind: ref.kind,
      metadata: meta(ref),
    })) as unknown as KubeObject;
  }

  async delete(ref: ObjectRef): Promise<void> {
    this.counts.delete++;
    await this.api.delete(
      { apiVersion: ref.apiVersion, kind: ref.kind, metadata: meta(ref) },
      undefined,
      undefined,
      undefined,
      undefined,
      "Background",
    );
  }

  /** One page of a list across all namespaces, filtered by a label selector. */
  async listPage(
    apiVersion: string,
    kind: string,
    labelSelector: string,
    options: { limit?: number; continueToken?: string } = {},
  ): Promise<{ items: KubeObject[]; continueToken: string | undefined }> {
    this.counts.list++;
    const page = await this.api.list(
      apiVersion,
      kind,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      labelSelector,
      options.limit,
      options.continueToken,
    );
    return {
      items: page.items as unknown as KubeObject[],
      continueToken: page.metadata?._continue || undefined,
    };
  }

  /**
   * One page of a list across all namespaces as metadata only (PartialObjectMetadataList: names, labels,
   * annotations, deletion timestamps; no spec, data or status), for callers that compare metadata: a fraction
   * of a full list's bytes and parsing. Counted as a list. Errors are ApiExceptions, as from the other calls.
   */
  async listMetadataPage(
    apiVersion: string,
    kind: string,
    labelSelector: string,
    options: { limit?: number; continueToken?: string } = {},
  ): Promise<{ items: { metadata: KubeMetadata }[]; continueToken: string | undefined }> {
    const { plural } = await this.mapping(apiVersion, kind);
    this.counts.list++;
    const server = this.config.getCurrentCluster()?.server;
    if (!server) throw new TenantSyncError(`cluster ${this.name}: the kubeconfig names no server`);
    const query = new URLSearchParams({ labelSelector });
    if (options.limit !== undefined) query.set("limit", String(options.limit));
    if (options.continueToken !== undefined) query.set("continue", options.continueToken);
    const root = apiVersion.includes("/") ? `apis/${apiVersion}` : `api/${apiVersion}`;
    const url = new URL(`${server.replace(/\/+$/, "")}/${root}/${plural}?${query}`);
    const request: https.RequestOptions = {
      method: "GET",
      headers: { Accept: "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1" },
    };
    await this.config.applyToHTTPSOptions(request);
    const get = async () => {
      const { status, body, headers } = await httpsGet(url, request, requestTimeoutMs(60_000));
      let parsed: { items?: { metadata: KubeMetadata }[]; metadata?: { continue?: string } } | undefined;
      try {
        parsed = JSON.parse(body);
      } catch {
        // A proxy's error page is not JSON; the status says enough then.
      }
      if (status < 200 || status > 299 || parsed === undefined) {
        throw new ApiException(status, "Unsuccessful HTTP Request", parsed ?? body.slice(0, 500), headers);
      }
      return { items: parsed.items ?? [], continueToken: parsed.metadata?.continue || undefined };
    };
    return this.guard ? this.guard.run(`GET ${url.pathname}`, get) : get();
  }

  describe(ref: ObjectRef): string {
    return `${describeRef(ref)} on cluster ${this.name}`;
  }
}

function meta(ref: ObjectRef): { name: string; namespace?: string } {
  return ref.namespace ? { name: ref.name, namespace: ref.namespace } : { name: ref.name };
}

/** One GET, body as text; fails after `timeoutMs` without a response, as a stalled connection would hang. */
function httpsGet(
  url: URL,
  options: https.RequestOptions,
  timeoutMs: number,
): Promise<{ status: number; body: string; headers: Record<string, string> }> {
  return new Promise((resolve, reject) => {
    const request = (url.protocol === "http:" ? http : https).request(url, options, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () =>
        resolve({
          status: response.statusCode ?? 0,
          body: Buffer.concat(chunks).toString("utf8"),
          headers: Object.fromEntries(
            Object.entries(response.headers).map(([key, value]) => [key, String(value)]),
          ),
        }),
      );
      response.on("error", reject);
    });
    request.setTimeout(timeoutMs, () =>
      request.destroy(
        new TenantSyncError(`GET ${url.pathname}: no response within ${timeoutMs / 1000} s`, {
          cause: new DOMException("no response", "TimeoutError"),
        }),
      ),
    );
    request.on("error", reject);
    request.end();
  });
}
