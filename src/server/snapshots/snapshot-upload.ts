/**
 * Snapshots copied to the replica's object store (K3s's `--etcd-s3`, here the same bucket as
 * `--datastore-replica`, under `<prefix>/snapshots/`), so a box lost with its disk still has
 * its scheduled snapshots. Bun's built-in S3 client (path-style, SigV4) speaks to any
 * S3-compatible server; verified against Swift's s3api.
 */
import { basename } from "node:path";
import { parseReplicaUrl } from "../../config/replica-url.ts";
import type { ReplicaSettings } from "../replication/litestream-config.ts";

export interface SnapshotBucket {
  /** Copies the file under `snapshots/<file name>`; returns the object key. */
  upload(file: string): Promise<string>;
  /** Object keys of the snapshots saved under `name`, newest first. */
  list(name: string): Promise<string[]>;
  /** Keeps the newest `retention` of `name`; returns the keys deleted. */
  prune(name: string, retention: number): Promise<string[]>;
}

/** A bucket for an s3:// replica; undefined for a file:// one (its snapshots stay local). */
export function snapshotBucket(replica: ReplicaSettings): SnapshotBucket | undefined {
  const target = parseReplicaUrl(replica.url);
  if (target.kind !== "s3") return undefined;
  const client = new Bun.S3Client({
    bucket: target.bucket,
    endpoint: replica.endpoint,
    region: replica.region ?? "us-east-1",
    accessKeyId: replica.accessKey,
    secretAccessKey: replica.secretKey,
  });
  const dir = `${target.path ? `${target.path}/` : ""}snapshots/`;
  const stamp = (key: string) => Number(/-(\d+)$/.exec(key)?.[1] ?? 0);
  const list = async (name: string) => {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await client.list({ prefix: `${dir}${name}-`, ...(token ? { continuationToken: token } : {}) });
      for (const c of page.contents ?? []) keys.push(c.key);
      token = page.isTruncated ? page.nextContinuationToken : undefined;
    } while (token);
    return keys.filter((k) => /-\d+$/.test(k)).sort((a, b) => stamp(b) - stamp(a) || b.localeCompare(a));
  };
  return {
    async upload(file) {
      const key = `${dir}${basename(file)}`;
      try {
        await client.write(key, Bun.file(file));
      } catch (cause) {
        throw new Error(`uploading snapshot ${basename(file)} to s3://${target.bucket}/${key}`, { cause });
      }
      return key;
    },
    list,
    async prune(name, retention) {
      const doomed = (await list(name)).slice(Math.max(0, retention));
      for (const key of doomed) await client.delete(key);
      return doomed;
    },
  };
}
