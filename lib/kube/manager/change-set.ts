import type { KubeObject } from "../object-ref.ts";

/**
 * What a verb of the resource manager did to one object (after fluxcd/pkg ssa's ChangeSetEntry). Dry runs
 * (diff, the sweep's deep check) report what the apply would do and never write.
 */
export type ChangeAction =
  | "created"
  | "configured"
  | "unchanged"
  /** Left alone on purpose: already gone, or no longer this tenant's. */
  | "skipped"
  | "deleted"
  /** `deletion: Retain`: our labels stripped, the object marked orphaned. */
  | "orphaned"
  | "failed"
  /** Another field manager owns a field we apply (`conflict: Stuck`). */
  | "conflicted"
  | "progressing";

export interface ChangeSetEntry {
  /** The object, as `describeRef` names it. */
  subject: string;
  action: ChangeAction;
  /** Why it failed or conflicted, or a note on the action. */
  message?: string;
  /** A request that changed the cluster was sent (never for a dry run). */
  wrote: boolean;
  /** For `failed`: a retry may succeed (API server unavailable, object changed meanwhile). */
  transient: boolean;
}

type Entry = Omit<ChangeSetEntry, "action">;

/** The entries of one run of a verb over several objects. */
export type ChangeSet = ChangeSetEntry[];

/** An apply's entry: the object as the API server answered it, or why there is none. */
export type ApplyChange =
  | (Entry & { action: "created" | "configured" | "unchanged"; live: KubeObject })
  | (Entry & { action: "failed"; message: string })
  | (Entry & { action: "conflicted"; message: string });

/** A removal's entry: deleted, orphaned (Retain), skipped (gone, or not this tenant's), or why it failed. */
export type RemoveChange =
  | (Entry & { action: "deleted" | "orphaned" | "skipped" })
  | (Entry & { action: "failed"; message: string });

/** A dry run compared with the live object: `changes` is what the caller's comparison found. */
export type DiffChange<T> =
  | (Entry & { action: "created" | "unchanged" })
  | (Entry & { action: "configured"; changes: T })
  /** `apiError`: the API server's words without the object's name; `status`: its HTTP status. */
  | (Entry & { action: "conflicted" | "failed"; message: string; apiError: string; status?: number })
  /** The object exists and is not this tenant's. */
  | (Entry & { action: "failed"; message: string; foreign: true });

export function changeEntry(
  subject: string,
  action: ChangeAction,
  details: Partial<Omit<ChangeSetEntry, "subject" | "action">> = {},
): ChangeSetEntry {
  return { subject, action, wrote: false, transient: false, ...details };
}
