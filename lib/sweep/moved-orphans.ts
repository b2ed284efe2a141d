import type { DesiredIndex } from "./desired-index.ts";
import type { Orphan } from "./plan.ts";

/**
 * Splits off the orphans a tenant left on its former cluster while its copy on the new cluster is not known
 * to be in place: the new cluster was not swept this run (unreachable, listing failed) or the tenant needs a
 * repair there. The engine prunes the old copy only once the new one is Ready; the sweep keeps that promise,
 * so a tenant moved to a cluster that is down keeps running where it was.
 */
export function holdMovedOrphans(
  orphans: readonly Orphan[],
  desired: DesiredIndex,
  swept: ReadonlySet<string>,
  repairs: ReadonlyMap<string, unknown>,
): { standing: Orphan[]; waiting: Orphan[] } {
  const standing: Orphan[] = [];
  const waiting: Orphan[] = [];
  for (const orphan of orphans) {
    const tenant = desired.tenants.get(orphan.tenantKey);
    const moved = tenant?.active === true && tenant.cluster !== orphan.cluster;
    const inPlace = moved && swept.has(tenant.cluster) && !repairs.has(orphan.tenantKey);
    (moved && !inPlace ? waiting : standing).push(orphan);
  }
  return { standing, waiting };
}
