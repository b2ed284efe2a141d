/**
 * Wakes a relay the moment an outbox row commits on PostgreSQL: a dedicated connection LISTENs on the channel
 * the triggers pg_notify on (notifications are delivered at commit, never for a rolled-back transaction).
 *
 * Runs are coalesced: a burst of commits within `debounceMs` causes one run, there is never more than one run
 * at a time, and notifications that arrive during a run queue exactly one more run after it (the rows they
 * announce may have committed after the running relay looked). A lost connection is re-opened with backoff,
 * and a run follows every reconnect, since notifications sent while disconnected are gone. The listener only
 * shortens latency: the scheduled relay still covers anything it misses. (MySQL has no equivalent; there the
 * relay runs on its schedule.)
 */
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { parseDatabaseUrl, scrubPassword } from "../../db/connection-url.ts";
import { TenantSyncError } from "../../errors.ts";
import { OUTBOX_CHANNEL } from "./outbox.ts";

export interface OutboxListenerOptions {
  /** A postgres:// URL (the same database the triggers write to). */
  databaseUrl: string;
  /** Called when outbox rows may be waiting; typically runs relayOutbox. Its errors go to onError. */
  onNotify: () => Promise<void>;
  /** Connection losses and onNotify failures; the listener carries on either way. */
  onError?: (error: Error) => void;
  /** Quiet time after a notification before running, so a burst of commits is one run (default 10 ms). */
  debounceMs?: number;
  /** First reconnect delay (default 500 ms), doubled after each failed attempt up to 30 s. */
  reconnectDelayMs?: number;
}

const MAX_RECONNECT_DELAY_MS = 30_000;

export class OutboxListener {
  /** Notifications received on the channel since start (for tests and metrics). */
  notifications = 0;
  /** Completed or running onNotify calls since start. */
  runs = 0;

  readonly #options: OutboxListenerOptions;
  readonly #driverUrl: string;
  readonly #redacted: string;
  readonly #password: string;
  #client: pg.Client | undefined;
  #stopped = true;
  #debounce: NodeJS.Timeout | undefined;
  #reconnect: NodeJS.Timeout | undefined;
  #failedAttempts = 0;
  #running: Promise<void> | undefined;
  #pending = false;

  constructor(options: OutboxListenerOptions) {
    const target = parseDatabaseUrl(options.databaseUrl);
    if (target.dialect !== "postgres") {
      throw new TenantSyncError(
        `OutboxListener needs a PostgreSQL URL, got ${target.redacted}: MySQL has no LISTEN/NOTIFY, ` +
          "run the relay on a schedule there",
      );
    }
    this.#options = options;
    this.#driverUrl = target.driverUrl;
    this.#redacted = target.redacted;
    this.#password = target.password;
  }

  /** Connects and LISTENs; rejects if the first connection fails (later losses are retried). */
  async start(): Promise<void> {
    if (!this.#stopped) return;
    this.#stopped = false;
    try {
      await this.#connect();
    } catch (error) {
      this.#stopped = true;
      throw this.#error("cannot listen for outbox notifications on", error);
    }
  }

  /** Closes the connection, cancels anything scheduled and waits for a running onNotify to finish. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#debounce);
    clearTimeout(this.#reconnect);
    this.#debounce = undefined;
    this.#pending = false;
    const client = this.#client;
    this.#client = undefined;
    await client?.end().catch(() => undefined);
    await this.#running;
  }

  /** Resolves once no run is scheduled, running or queued (tests use it to wait for quiet). */
  async idle(): Promise<void> {
    while (this.#running || this.#debounce || this.#pending) {
      await (this.#running ?? sleep(5));
    }
  }

  async #connect(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.#driverUrl,
      application_name: "tenant-sync-outbox-listener",
      connectionTimeoutMillis: 10_000,
      keepAlive: true,
    });
    client.on("notification", (message) => {
      if (message.channel !== OUTBOX_CHANNEL) return;
      this.notifications++;
      this.#schedule();
    });
    // Without listeners an idle connection's error would crash the process.
    client.on("error", (error) => this.#lost(client, error));
    client.on("end", () => this.#lost(client, new TenantSyncError("the server closed the connection")));
    try {
      await client.connect();
      await client.query(`LISTEN ${OUTBOX_CHANNEL}`);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    if (this.#stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.#client = client;
  }

  #lost(client: pg.Client, error: Error): void {
    if (client !== this.#client || this.#stopped) return;
    this.#client = undefined;
    client.end().catch(() => undefined);
    this.#report(this.#error("lost the outbox listener connection to", error));
    this.#reconnectLater();
  }

  #reconnectLater(): void {
    const base = this.#options.reconnectDelayMs ?? 500;
    const delay = Math.min(base * 2 ** this.#failedAttempts, MAX_RECONNECT_DELAY_MS);
    this.#reconnect = setTimeout(async () => {
      this.#reconnect = undefined;
      if (this.#stopped) return;
      try {
        await this.#connect();
        this.#failedAttempts = 0;
        this.#schedule();
      } catch (error) {
        this.#failedAttempts++;
        this.#report(this.#error("cannot reconnect the outbox listener to", error));
        this.#reconnectLater();
      }
    }, delay);
  }

  #schedule(): void {
    if (this.#stopped) return;
    if (this.#running) {
      this.#pending = true;
      return;
    }
    if (this.#debounce) return;
    this.#debounce = setTimeout(() => {
      this.#debounce = undefined;
      this.#run();
    }, this.#options.debounceMs ?? 10);
  }

  #run(): void {
    this.runs++;
    this.#running = Promise.resolve()
      .then(() => this.#options.onNotify())
      .catch((error: unknown) => this.#report(error instanceof Error ? error : new Error(String(error))))
      .finally(() => {
        this.#running = undefined;
        if (this.#pending) {
          this.#pending = false;
          this.#schedule();
        }
      });
  }

  #report(error: Error): void {
    this.#options.onError?.(error);
  }

  #error(what: string, error: unknown): Error {
    const message = scrubPassword((error as Error)?.message ?? String(error), this.#password);
    return new TenantSyncError(`${what} ${this.#redacted}: ${message}`);
  }
}
