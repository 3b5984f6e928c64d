/**
 * Litestream's config file for k3rs's one database. Always the file form: Litestream 0.3.13's
 * URL form cannot carry an S3 endpoint (needed for anything but AWS), and the file keeps the
 * keys off the command line (where `ps` would show them). Written owner-only.
 */
import YAML from "yaml";
import { parseReplicaUrl } from "../../config/replica-url.ts";

export interface ReplicaSettings {
  /** `s3://BUCKET/PREFIX` or `file:///DIR`. */
  url: string;
  endpoint?: string;
  accessKey?: string;
  secretKey?: string;
  region?: string;
}

export interface LitestreamConfigInput {
  dbPath: string;
  replica: ReplicaSettings;
  /** Loopback address of Litestream's Prometheus endpoint (k3rs reads replica positions from it). */
  metricsAddr?: string;
}

/**
 * How soon a commit reaches the replica: Litestream notices WAL changes every monitor
 * interval and uploads every sync interval, so the worst case is their sum plus one upload.
 * Litestream's defaults (1 s + 1 s) lost writes acknowledged 1–2 s before a kill -9 against
 * Swift on the dev VM (test/e2e/replica-s3.test.ts); 250 ms + 500 ms keeps the RPO under
 * ≈ 1 s at two PUTs a second while writes flow (none when idle).
 */
const MONITOR_INTERVAL = "250ms";
const SYNC_INTERVAL = "500ms";

export function litestreamConfig(input: LitestreamConfigInput): string {
  const target = parseReplicaUrl(input.replica.url);
  const replica: Record<string, unknown> =
    target.kind === "file"
      ? { type: "file", path: target.path }
      : {
          type: "s3",
          bucket: target.bucket,
          path: target.path,
          region: input.replica.region ?? "us-east-1",
          ...(input.replica.endpoint ? { endpoint: input.replica.endpoint, "force-path-style": true } : {}),
          ...(input.replica.accessKey ? { "access-key-id": input.replica.accessKey } : {}),
          ...(input.replica.secretKey ? { "secret-access-key": input.replica.secretKey } : {}),
        };
  replica["sync-interval"] = SYNC_INTERVAL;
  return YAML.stringify({
    ...(input.metricsAddr ? { addr: input.metricsAddr } : {}),
    dbs: [{ path: input.dbPath, "monitor-interval": MONITOR_INTERVAL, replicas: [replica] }],
  });
}

/** The replica as safe to print: the URL and endpoint, never a key. */
export function describeReplica(r: ReplicaSettings): Record<string, string> {
  return { url: r.url, ...(r.endpoint ? { endpoint: r.endpoint } : {}), ...(r.region ? { region: r.region } : {}) };
}
