/**
 * `--datastore-replica` URLs: `s3://BUCKET[/PREFIX]` or `file:///ABSOLUTE/DIR`, the two
 * replica kinds Litestream 0.3.13 offers that k3rs supports (its URL form cannot carry an
 * S3 endpoint, so k3rs always writes Litestream a config file; see server/replication/).
 */
export type ReplicaTarget = { kind: "s3"; bucket: string; path: string } | { kind: "file"; path: string };

export function parseReplicaUrl(url: string): ReplicaTarget {
  const s3 = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(url);
  if (s3) return { kind: "s3", bucket: s3[1]!, path: (s3[2] ?? "").replace(/^\/+|\/+$/g, "") };
  if (url.startsWith("file://")) {
    const path = decodeURIComponent(url.slice("file://".length)).replace(/\/+$/, "");
    if (!path.startsWith("/") || path === "") throw new Error(`invalid --datastore-replica ${JSON.stringify(url)}: a file replica needs an absolute path (file:///var/backups/k3rs)`);
    return { kind: "file", path };
  }
  throw new Error(`invalid --datastore-replica ${JSON.stringify(url)} (want s3://BUCKET/PREFIX or file:///DIR)`);
}
