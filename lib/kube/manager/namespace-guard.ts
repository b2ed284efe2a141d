import { statusCode } from "../api-errors.ts";
import type { ClusterClient } from "../cluster-client.ts";
import { LABEL_MANAGED_BY, LABEL_TENANT, MANAGED_BY_VALUE, tenantLabelValue } from "../labels.ts";

/**
 * Per reconcile of one tenant: may it create objects in a namespace? Not in a namespace another tenant owns
 * (two tenant keys whose names collide render the same namespace; the engine refuses the second tenant's
 * Namespace, and without this check its other objects would still land in the first tenant's namespace, a
 * NetworkPolicy opening its pods, say). A namespace this tenant applied in this reconcile, or one tenant-sync
 * does not manage, is allowed. Each namespace is read at most once per reconcile, and only before a create.
 */
export class NamespaceGuard {
  private readonly client: ClusterClient;
  private readonly tenantKey: string;
  private readonly verdicts = new Map<string, Promise<string | undefined>>();

  constructor(client: ClusterClient, tenantKey: string) {
    this.client = client;
    this.tenantKey = tenantKey;
  }

  /** This tenant's Namespace was applied in this reconcile: it owns it, no read needed. */
  applied(namespace: string): void {
    this.verdicts.set(namespace, Promise.resolve(undefined));
  }

  /** Why this tenant may not create objects in `namespace`, or undefined when it may. */
  refusal(namespace: string): Promise<string | undefined> {
    let verdict = this.verdicts.get(namespace);
    if (!verdict) {
      verdict = this.judge(namespace);
      // A failed read is not remembered: the next resource asks again.
      verdict.catch(() => this.verdicts.delete(namespace));
      this.verdicts.set(namespace, verdict);
    }
    return verdict;
  }

  private async judge(namespace: string): Promise<string | undefined> {
    let labels: Record<string, string>;
    try {
      const live = await this.client.get({ apiVersion: "v1", kind: "Namespace", name: namespace });
      labels = live.metadata.labels ?? {};
    } catch (error) {
      // Absent: the apply itself reports it (and a dependency creates it first).
      if (statusCode(error) === 404) return undefined;
      throw error;
    }
    const owner = labels[LABEL_TENANT];
    if (labels[LABEL_MANAGED_BY] !== MANAGED_BY_VALUE || owner === tenantLabelValue(this.tenantKey)) {
      return undefined;
    }
    return `namespace ${namespace} belongs to tenant label ${owner ?? "(none)"}; tenant-sync will not create tenant ${this.tenantKey}'s objects in it`;
  }
}
