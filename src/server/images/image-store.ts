/**
 * The cluster's image archives on the server (`<data-dir>/server/images/`), what
 * `k3rs ctl image import` uploads and every agent downloads and imports:
 *
 *   <sha256>.tar    the archive exactly as uploaded (plain or gzipped tar)
 *   <sha256>.json   its ClusterImage record (names, size, created)
 *   .upload-*       an upload in progress; removed at start (a crash left it)
 *
 * An upload is streamed to a temp file while hashed, so no archive is ever held in memory,
 * and renamed into place only once its names are read: readers never see half an archive.
 * The record is written after the archive, so a record always has its archive.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statfsSync } from "node:fs";
import { open, rename, rm, writeFile } from "node:fs/promises";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { errors, StatusError } from "../../model/errors.ts";
import { digestHex, type ClusterImage } from "../../model/cluster-image.ts";
import { readArchiveNames } from "./archive-names.ts";
import { nowTimestamp } from "../../model/object.ts";

export interface ImageStoreOptions {
  dir: string;
  /**
   * Bytes one upload may take. Default: what the filesystem has available less 10 % of its
   * size — the kubelet's default nodefs.available hard-eviction threshold, so that storing
   * an image never puts this box's own node into DiskPressure.
   */
  uploadLimit?: () => number;
  now?: () => Date;
}

export interface StoredImage {
  image: ClusterImage;
  path: string;
}

export class ImageStore {
  private readonly images = new Map<string, ClusterImage>();
  private readonly now: () => Date;
  private readonly uploadLimit: () => number;

  constructor(private readonly o: ImageStoreOptions) {
    this.now = o.now ?? (() => new Date());
    this.uploadLimit = o.uploadLimit ?? (() => diskUploadLimit(o.dir));
    mkdirSync(o.dir, { recursive: true, mode: 0o700 });
    this.load();
  }

  /** Every stored image, largest first (as node.status.images is ordered). */
  list(): ClusterImage[] {
    return [...this.images.values()].sort((a, b) => b.sizeBytes - a.sizeBytes || a.digest.localeCompare(b.digest));
  }

  /** The image and its archive's path; undefined when not stored. */
  get(digest: string): StoredImage | undefined {
    const hex = digestHex(digest);
    const image = this.images.get(hex);
    return image && { image, path: this.archivePath(hex) };
  }

  /**
   * Stores the archive streamed in `body`; `declaredSize` (Content-Length) lets an upload
   * that cannot fit be refused before a byte is written. Storing the same bytes again
   * returns the image already stored (`existed`).
   */
  async add(body: ReadableStream<Uint8Array> | null, declaredSize?: number): Promise<{ image: ClusterImage; existed: boolean }> {
    const limit = Math.max(0, this.uploadLimit());
    if (declaredSize !== undefined && declaredSize > limit) throw tooLarge(declaredSize, limit);
    if (!body) throw errors.badRequest("the request has no body: send the image archive (an OCI layout or docker-archive tarball)");
    const tmp = join(this.o.dir, `.upload-${randomBytes(8).toString("hex")}`);
    try {
      const { hex, size } = await writeHashed(body, tmp, limit);
      if (size === 0) throw errors.badRequest("the request body is empty: send the image archive (an OCI layout or docker-archive tarball)");
      const names = await readArchiveNames(tmp);
      const existing = this.images.get(hex);
      if (existing) return { image: existing, existed: true };
      const image: ClusterImage = { digest: `sha256:${hex}`, names, sizeBytes: size, created: nowTimestamp(this.now()) };
      await rename(tmp, this.archivePath(hex));
      const recordTmp = `${tmp}.json`;
      await writeFile(recordTmp, JSON.stringify(image));
      await rename(recordTmp, this.recordPath(hex));
      this.images.set(hex, image);
      return { image, existed: false };
    } finally {
      await rm(tmp, { force: true });
      await rm(`${tmp}.json`, { force: true });
    }
  }

  /** Removes the image (nodes keep what they imported); NotFound when it is not stored. */
  async remove(digest: string): Promise<ClusterImage> {
    const hex = digestHex(digest);
    const image = this.images.get(hex);
    if (!image) throw imageNotFound(digest);
    this.images.delete(hex);
    // The record goes first: a crash between the two leaves an orphan archive, never a record without one.
    await rm(this.recordPath(hex), { force: true });
    await rm(this.archivePath(hex), { force: true });
    return image;
  }

  private archivePath(hex: string): string {
    return join(this.o.dir, `${hex}.tar`);
  }

  private recordPath(hex: string): string {
    return join(this.o.dir, `${hex}.json`);
  }

  private load(): void {
    for (const name of readdirSync(this.o.dir)) {
      const path = join(this.o.dir, name);
      if (name.startsWith(".upload-")) {
        rmSync(path, { force: true });
        continue;
      }
      const m = /^([0-9a-f]{64})\.json$/.exec(name);
      if (!m || !existsSync(this.archivePath(m[1]!))) continue;
      try {
        const image = JSON.parse(readFileSync(path, "utf8")) as ClusterImage;
        if (image.digest === `sha256:${m[1]}` && Array.isArray(image.names)) this.images.set(m[1]!, image);
      } catch {
        // A torn record (renames make that unlikely): the archive can simply be imported again.
      }
    }
  }
}

/** Streams `body` into `path` while hashing it; 413 past `limit` bytes. */
async function writeHashed(body: ReadableStream<Uint8Array>, path: string, limit: number): Promise<{ hex: string; size: number }> {
  const hasher = new Bun.CryptoHasher("sha256");
  const file = await open(path, "wx", 0o600);
  let size = 0;
  const reader = body.getReader();
  let complete = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > limit) throw tooLarge(size, limit, true);
      hasher.update(value);
      await file.write(value);
    }
    complete = true;
  } catch (e) {
    if (e instanceof StatusError) throw e;
    throw errors.internal(`storing the image archive failed: ${e instanceof Error ? e.message : String(e)}`, e);
  } finally {
    // The rest of an upload we gave up on is dropped, so the client hears the answer at once.
    if (!complete) await reader.cancel().catch(() => {});
    await file.close();
  }
  return { hex: hasher.digest("hex"), size };
}

function diskUploadLimit(dir: string): number {
  const s = statfsSync(dir);
  return s.bavail * s.bsize - Math.ceil(s.blocks * s.bsize * 0.1);
}

function tooLarge(size: number, limit: number, partial = false): StatusError {
  return errors.tooLarge(
    `the image archive ${partial ? "exceeds" : "is"} ${size} bytes; the server's data dir can take ${limit} bytes ` +
      "(keeping 10% of its filesystem free, as the kubelet's nodefs.available eviction threshold does)",
  );
}

export function imageNotFound(digest: string): StatusError {
  return new StatusError(404, "NotFound", `image "${digest}" not found`, { name: digest, kind: "images" });
}
