import { AsyncLocalStorage } from "node:async_hooks";

/**
 * The deadline (epoch ms) of the reconcile a request is made for. The engine sets it once around a reconcile
 * (Engine.reconcile); every API request made within, however deep (applies, reads, discovery, deletes), is cut
 * short by it (cluster-client.ts), without threading it through each call. Clients are shared by the tenants
 * of a batch, so it lives with the async call chain, not on the client.
 */
const scope = new AsyncLocalStorage<number>();

/** Runs `fn` with every API request it makes bounded by `deadline`; without one, as is. */
export function withRequestDeadline<T>(deadline: number | undefined, fn: () => Promise<T>): Promise<T> {
  return deadline === undefined ? fn() : scope.run(deadline, fn);
}

/** The deadline of the reconcile this call belongs to, if it has one. */
export function requestDeadline(): number | undefined {
  return scope.getStore();
}
