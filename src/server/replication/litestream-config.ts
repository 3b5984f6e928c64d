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

/** The RPO the issue asks for: ≈ 1 s between a commit and its upload. */
const SYNC_INTERVAL = "1s";

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
    dbs: [{ path: input.dbPath, replicas: [replica] }],
  });
}

/** The replica as safe to print: the URL and endpoint, never a key. */
export function describeReplica(r: ReplicaSettings): Record<string, string> {
  return { url: r.url, ...(r.endpoint ? { endpoint: r.endpoint } : {}), ...(r.region ? { region: r.region } : {}) };
}
