/**
 * Linux's `net.ipv4.tcp_migrate_req` (5.14+, per network namespace): when one of several
 * SO_REUSEPORT listeners closes, the connections still in its accept queue move to another
 * listener of the group instead of being reset. The HTTPS certificate swap (listeners.ts)
 * relies on it to close the replaced listener at once without losing a connection.
 * Figures in listeners.ts.
 */
import { readFileSync, writeFileSync } from "node:fs";

const KNOB = "/proc/sys/net/ipv4/tcp_migrate_req";

/** Turns the knob on in this network namespace; false when it cannot be (older kernel, not root). */
export function enableListenerMigration(path = KNOB): boolean {
  try {
    if (readFileSync(path, "utf8").trim() === "1") return true;
    writeFileSync(path, "1");
    return readFileSync(path, "utf8").trim() === "1";
  } catch {
    return false;
  }
}
