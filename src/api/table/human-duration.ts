/**
 * Ages as Kubernetes prints them (apimachinery `duration.HumanDuration`): ~2-3 significant
 * figures, so "3m2s" early on and "45d" later. Written by hand because the exact thresholds
 * are what makes `k3rs ctl get` and `kubectl get` agree; no library reproduces them.
 */

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** `ms` is a duration in milliseconds; may be negative (clock skew). */
export function humanDuration(ms: number): string {
  // Go truncates toward zero when converting a Duration to whole units.
  const seconds = Math.trunc(ms / SECOND);
  // Up to a second of skew counts as "now"; more than that is a clock problem worth showing.
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 60 * 2) return `${seconds}s`;

  const minutes = Math.trunc(ms / MINUTE);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 60 * 3) return `${minutes}m`;

  const hours = Math.trunc(ms / HOUR);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    const d = Math.trunc(hours / 24);
    return h === 0 ? `${d}d` : `${d}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const years = Math.trunc(hours / 24 / 365);
    const dy = Math.trunc(hours / 24) % 365;
    return dy === 0 ? `${years}y` : `${years}y${dy}d`;
  }
  return `${Math.trunc(hours / 24 / 365)}y`;
}

/**
 * Age of a metav1.Time against `now`, "<unknown>" when the timestamp is unset
 * (the printers' `translateTimestampSince`).
 */
export function since(timestamp: string | undefined | null, now: Date): string {
  if (!timestamp) return "<unknown>";
  const t = Date.parse(timestamp);
  if (Number.isNaN(t)) return "<unknown>";
  return humanDuration(now.getTime() - t);
}
