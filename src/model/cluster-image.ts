/**
 * The cluster image store's wire format (`/v1-k3rs/images`), shared by the server that keeps
 * the archives, the agents that fetch them and `k3rs ctl image`. An image is known by the
 * sha256 of its archive's bytes as uploaded, so the same file uploaded twice is one image.
 */
import { errors } from "./errors.ts";

export interface ClusterImage {
  /** `sha256:<64 hex>` of the archive file. */
  digest: string;
  /** Normalized image names the archive carries (`docker.io/library/busybox:latest`). */
  names: string[];
  sizeBytes: number;
  /** RFC 3339, when the server stored it. */
  created: string;
}

export interface ClusterImageList {
  items: ClusterImage[];
}

export const IMAGES_PATH = "/v1-k3rs/images";

const DIGEST = /^(?:sha256:)?([0-9a-f]{64})$/;

/**
 * The hex part of a digest given as `sha256:<hex>` or bare `<hex>`; a 400 Status otherwise.
 *
 * @example digestHex(`sha256:${"a".repeat(64)}`) // "aaaa…"
 */
export function digestHex(digest: string): string {
  const m = DIGEST.exec(digest);
  if (!m) throw errors.badRequest(`invalid image digest ${JSON.stringify(digest)}: want sha256:<64 lower-case hex digits>`);
  return m[1]!;
}

/** The first 12 hex digits, as `docker images` prints an ID. */
export function shortDigest(digest: string): string {
  return digest.replace(/^sha256:/, "").slice(0, 12);
}
