// Age strings exactly as upstream's duration.HumanDuration renders them, so `kubectl get` reads
// the same against k8ts as against a real cluster.

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** Human-readable approximation of a duration in milliseconds (2-3 significant figures). */
export function humanDuration(ms: number): string {
  // Go truncates toward zero; clocks up to 1 s ahead still count as "now".
  const seconds = Math.trunc(ms / SECOND);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.trunc(ms / MINUTE);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.trunc(ms / HOUR);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  const days = Math.trunc(hours / 24);
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${days}d` : `${days}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${days}d`;
  const years = Math.trunc(days / 365);
  if (hours < 24 * 365 * 8) {
    const d = days % 365;
    return d === 0 ? `${years}y` : `${years}y${d}d`;
  }
  return `${years}y`;
}

/** Epoch milliseconds of an RFC 3339 timestamp, or NaN when missing or unreadable. */
export function timestampMs(ts: unknown): number {
  return typeof ts === 'string' && ts !== '' ? Date.parse(ts) : NaN;
}

/** Age of a timestamp relative to `now`; `<unknown>` when the timestamp is missing (zero in Go). */
export function translateTimestampSince(ts: unknown, now: Date | number): string {
  const t = timestampMs(ts);
  if (Number.isNaN(t)) return '<unknown>';
  return humanDuration((typeof now === 'number' ? now : now.getTime()) - t);
}
