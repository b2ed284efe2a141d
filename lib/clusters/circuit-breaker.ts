import { TenantSyncError } from "../errors.ts";
import type { RequestGuard } from "../kube/cluster-client.ts";
import { requestDeadline } from "../kube/request-deadline.ts";
import { isUnreachable, unreachableReason } from "../kube/unreachable.ts";
import type { Log } from "../log.ts";

/** How long a cluster that did not answer is left alone before one request tries it again. */
export const DEFAULT_COOL_DOWN_MS = 30_000;

export interface CircuitBreakerOptions {
  coolDownMs?: number;
  now?: () => number;
  log?: Log;
}

/**
 * A cluster is not contacted because it did not answer a moment ago. Transient: the queue retries the tenant
 * after its visibility timeout, by when the cool-down is over.
 */
export class ClusterUnavailableError extends TenantSyncError {
  readonly cluster: string;

  constructor(cluster: string, message: string) {
    super(`cluster ${cluster} did not answer (${message})`);
    this.name = "ClusterUnavailableError";
    this.cluster = cluster;
  }
}

type State =
  | { kind: "closed" }
  | { kind: "open"; until: number; reason: string }
  | { kind: "probing"; reason: string };

/** Whether the reconcile this request belongs to has reached its deadline (epoch ms, the real clock). */
const cutByDeadline = () => {
  const deadline = requestDeadline();
  return deadline !== undefined && Date.now() >= deadline;
};

const clock = (ms: number) => `${new Date(ms).toISOString().slice(11, 19)} UTC`;

/**
 * One cluster's circuit breaker, per process (a warm Lambda container keeps it between invocations). Closed,
 * every request goes out. A request that finds the API server unreachable or not answering (isUnreachable)
 * opens it: for the cool-down every request, and every tenant asking the registry for the cluster, fails at
 * once instead of waiting out its own timeout. After the cool-down the next request is a probe and the others
 * keep failing fast until it ends: an answer (any status but 502/503/504) closes the breaker, no answer opens
 * it for another cool-down. Only that cluster's tenants are affected.
 */
export class CircuitBreaker implements RequestGuard {
  readonly cluster: string;
  private readonly coolDownMs: number;
  private readonly now: () => number;
  private readonly log: Log | undefined;
  private state: State = { kind: "closed" };

  constructor(cluster: string, options: CircuitBreakerOptions = {}) {
    this.cluster = cluster;
    this.coolDownMs = options.coolDownMs ?? DEFAULT_COOL_DOWN_MS;
    this.now = options.now ?? Date.now;
    this.log = options.log;
  }

  /** Throws ClusterUnavailableError while the cluster must not be contacted; never starts the probe itself. */
  check(): void {
    const refusal = this.refusal();
    if (refusal) throw refusal;
  }

  async run<T>(request: string, send: () => Promise<T>): Promise<T> {
    const refusal = this.refusal();
    if (refusal) throw refusal;
    const probe = this.state.kind === "open";
    if (this.state.kind === "open") this.state = { kind: "probing", reason: this.state.reason };
    try {
      const result = await send();
      if (probe) this.close();
      return result;
    } catch (error) {
      if (!isUnreachable(error)) {
        if (probe) this.close();
        throw error;
      }
      // A request the invocation's deadline cut short (cluster-client.ts requestTimeoutMs) says nothing
      // about the cluster: opening here would fail the warm instance's next batch for the whole cool-down.
      // A probe cut short leaves the next request to probe.
      if (cutByDeadline()) {
        if (this.state.kind === "probing")
          this.state = { kind: "open", until: this.now(), reason: this.state.reason };
        throw error;
      }
      throw this.trip(`${request}: ${unreachableReason(error)}`, probe);
    }
  }

  private refusal(): ClusterUnavailableError | undefined {
    const state = this.state;
    if (state.kind === "open" && this.now() < state.until) {
      return new ClusterUnavailableError(
        this.cluster,
        `${state.reason}; not contacted again until ${clock(state.until)}`,
      );
    }
    if (state.kind === "probing") {
      return new ClusterUnavailableError(
        this.cluster,
        `${state.reason}; one request is checking whether it answers again, the others wait for it`,
      );
    }
    return undefined;
  }

  /** Opens the breaker (unless a request that failed alongside already did) and says so. */
  private trip(reason: string, probe: boolean): ClusterUnavailableError {
    if (this.state.kind === "closed" || probe) {
      this.state = { kind: "open", until: this.now() + this.coolDownMs, reason };
      this.log?.warn("cluster circuit opened", {
        cluster: this.cluster,
        reason,
        probe,
        coolDownMs: this.coolDownMs,
      });
    }
    const until = this.state.kind === "open" ? `; not contacted again until ${clock(this.state.until)}` : "";
    return new ClusterUnavailableError(this.cluster, `${reason}${until}`);
  }

  private close(): void {
    this.state = { kind: "closed" };
    this.log?.info("cluster circuit closed", { cluster: this.cluster });
  }
}
