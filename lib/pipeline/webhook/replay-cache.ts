import { TenantSyncError } from "../../errors.ts";

/**
 * Remembers the webhook deliveries this instance accepted, until their signature can no longer pass the
 * timestamp check anyway. Bounded (least recently added entries go first), so a flood of valid deliveries
 * cannot grow memory; across instances the FIFO deduplication id catches replays instead.
 */
export class ReplayCache {
  private readonly capacity: number;
  // Map keeps insertion order, oldest first: eviction and expiry both scan from the front.
  private readonly expiries = new Map<string, number>();

  constructor(capacity = 10_000) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new TenantSyncError(`replay cache capacity must be a positive integer, got ${capacity}`);
    }
    this.capacity = capacity;
  }

  /**
   * Records `id` until `expiresAt` (ms). Returns false when it was already recorded and not yet expired,
   * i.e. the delivery is a replay.
   */
  remember(id: string, expiresAt: number, now: number): boolean {
    this.expire(now);
    const existing = this.expiries.get(id);
    if (existing !== undefined && existing > now) return false;
    this.expiries.delete(id);
    this.expiries.set(id, expiresAt);
    while (this.expiries.size > this.capacity) {
      const oldest = this.expiries.keys().next().value as string;
      this.expiries.delete(oldest);
    }
    return true;
  }

  /** Drops an id, e.g. when the delivery could not be enqueued and the sender's retry must get through. */
  forget(id: string): void {
    this.expiries.delete(id);
  }

  get size(): number {
    return this.expiries.size;
  }

  private expire(now: number): void {
    // Entries are not sorted by expiry (timestamps may arrive out of order), so stop at the first live one:
    // a few stale entries may linger until capacity evicts them, which only costs memory within the bound.
    for (const [id, expiresAt] of this.expiries) {
      if (expiresAt > now) break;
      this.expiries.delete(id);
    }
  }
}
