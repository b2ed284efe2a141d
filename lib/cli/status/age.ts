const UNITS: [limit: number, size: number, suffix: string][] = [
  [60, 1, "s"],
  [3600, 60, "m"],
  [86_400, 3600, "h"],
  [Number.POSITIVE_INFINITY, 86_400, "d"],
];

/** How long ago `time` was, in the largest whole unit: "45s ago", "3m ago", "2h ago", "12d ago". */
export function formatAge(time: string | Date, now: Date): string {
  const then = time instanceof Date ? time : new Date(time);
  if (Number.isNaN(then.getTime())) return "unknown";
  const seconds = Math.floor((now.getTime() - then.getTime()) / 1000);
  // A database clock slightly ahead of this machine's is not "in the future" to a person.
  if (seconds < 1) return "just now";
  const [, size, suffix] = UNITS.find(([limit]) => seconds < limit) as (typeof UNITS)[number];
  return `${Math.floor(seconds / size)}${suffix} ago`;
}
