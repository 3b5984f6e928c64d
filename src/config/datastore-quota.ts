/**
 * `--datastore-quota`: how large the stored objects may grow together (store/sqlite.ts
 * quotaBytes), etcd's `--quota-backend-bytes` for this store. The store keeps every current
 * object in memory as well as on disk, so the default follows the machine: a quarter of its
 * memory, at most etcd's default of 2 GiB. A quantity (`512Mi`, `2G`) or bytes; 0 is no limit.
 */
import { totalmem } from "node:os";
import { parseQuantity } from "../model/quantity.ts";

const ETCD_DEFAULT = 2 * 1024 ** 3;

export function defaultDatastoreQuota(memoryBytes = totalmem()): number {
  return Math.min(ETCD_DEFAULT, Math.floor(memoryBytes / 4));
}

/** Bytes, 0 for no limit; the default when not given. Throws a message naming the flag. */
export function datastoreQuota(v: unknown, memoryBytes?: number): number {
  if (v === undefined || v === null || v === "") return defaultDatastoreQuota(memoryBytes);
  let bytes: bigint;
  try {
    bytes = parseQuantity(String(v)).value();
  } catch {
    throw new Error(`invalid --datastore-quota ${JSON.stringify(v)} (want a size such as 512Mi, 2Gi or 1000000000; 0 for no limit)`);
  }
  if (bytes < 0n || bytes > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`invalid --datastore-quota ${JSON.stringify(v)} (want a size from 0 to 8Pi)`);
  return Number(bytes);
}
