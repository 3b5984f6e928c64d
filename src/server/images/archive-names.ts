/**
 * The image names an archive carries, read the way containerd's importer reads them, so
 * that the names the server lists are the names the nodes will have after `ctr images
 * import`:
 *
 * - OCI layout (`index.json`): each entry's `io.containerd.image.name`, else its
 *   `org.opencontainers.image.ref.name` when that is a full reference (contains "/", ":" or
 *   "@"); a bare tag would become `import-<date>:<tag>` on the node, which no pod can name.
 * - docker-archive (`manifest.json`, `docker save`): each entry's `RepoTags`.
 * - Docker 25+ writes both files; the names are the union, as containerd's importer does.
 *
 * Every name is normalized (`busybox` → `docker.io/library/busybox:latest`).
 */
import { createReadStream } from "node:fs";
import { createGunzip } from "node:zlib";
import { Readable } from "node:stream";
import { extract } from "tar-stream";
import { errors, StatusError } from "../../model/errors.ts";
import { normalizeImageRef } from "../../model/image-ref.ts";

const ANNOTATION_CONTAINERD_NAME = "io.containerd.image.name";
const ANNOTATION_REF_NAME = "org.opencontainers.image.ref.name";
/** index.json and manifest.json are a few KiB; anything this big is not one. */
const MAX_METADATA_BYTES = 4 * 1024 * 1024;

export interface ArchiveMetadata {
  /** Parsed `index.json`, when present. */
  index?: unknown;
  /** Parsed `manifest.json`, when present. */
  manifest?: unknown;
}

/**
 * Normalized names from an archive's metadata files, once each, in archive order.
 *
 * @example imageNamesFrom({ manifest: [{ RepoTags: ["busybox:1.36"] }] }) // ["docker.io/library/busybox:1.36"]
 */
export function imageNamesFrom(m: ArchiveMetadata): string[] {
  const raw: string[] = [];
  const manifests = (m.index as any)?.manifests;
  if (Array.isArray(manifests)) {
    for (const d of manifests) {
      const a = d?.annotations ?? {};
      const name = a[ANNOTATION_CONTAINERD_NAME];
      const ref = a[ANNOTATION_REF_NAME];
      if (typeof name === "string" && name) raw.push(name);
      else if (typeof ref === "string" && /[/:@]/.test(ref)) raw.push(ref);
    }
  }
  if (Array.isArray(m.manifest)) {
    for (const e of m.manifest) for (const tag of Array.isArray(e?.RepoTags) ? e.RepoTags : []) if (typeof tag === "string" && tag) raw.push(tag);
  }
  const out = new Set<string>();
  for (const r of raw) {
    try {
      out.add(normalizeImageRef(r));
    } catch (e) {
      throw errors.badRequest(`the image archive names an invalid image: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return [...out];
}

/** Reads index.json and manifest.json from a tar archive (plain or gzipped) at `path`. */
export async function readArchiveMetadata(path: string): Promise<ArchiveMetadata> {
  const gz = await isGzipFile(path);
  const source: Readable = gz ? createReadStream(path).pipe(createGunzip()) : createReadStream(path);
  const ex = extract();
  const found: ArchiveMetadata = {};
  let entries = 0;
  const done = new Promise<void>((resolve, reject) => {
    ex.on("entry", (header, stream, next) => {
      entries++;
      const name = header.name.replace(/^\.\//, "");
      const wanted = (name === "index.json" || name === "manifest.json") && header.type === "file";
      if (!wanted) {
        stream.on("end", next);
        stream.resume();
        return;
      }
      if ((header.size ?? 0) > MAX_METADATA_BYTES) {
        reject(errors.badRequest(`the image archive's ${name} is ${header.size} bytes, more than an image index can be`));
        return;
      }
      const chunks: Buffer[] = [];
      stream.on("data", (c: unknown) => void chunks.push(c as Buffer));
      stream.on("end", () => {
        try {
          const value = JSON.parse(Buffer.concat(chunks).toString("utf8"));
          if (name === "index.json") found.index = value;
          else found.manifest = value;
        } catch (cause) {
          reject(new StatusError(400, "BadRequest", `the image archive's ${name} is not valid JSON`, undefined, { cause }));
          return;
        }
        next();
      });
    });
    ex.on("finish", () => resolve());
    ex.on("error", (cause: Error) => reject(new StatusError(400, "BadRequest", `the upload is not a tar archive (${cause.message}); want an OCI layout or docker-archive tarball, plain or gzipped`, undefined, { cause })));
    source.on("error", (cause: Error) => reject(new StatusError(400, "BadRequest", `the image archive cannot be read: ${cause.message}`, undefined, { cause })));
  });
  source.pipe(ex);
  try {
    await done;
  } finally {
    source.destroy();
    ex.destroy();
  }
  if (entries === 0) throw errors.badRequest("the upload is an empty tar archive; want an OCI layout or docker-archive tarball");
  return found;
}

/**
 * The names of the image archive at `path`; a 400 Status when it is not an image archive or
 * names no image (it would import as nothing a pod could use).
 */
export async function readArchiveNames(path: string): Promise<string[]> {
  const meta = await readArchiveMetadata(path);
  if (meta.index === undefined && meta.manifest === undefined) {
    throw errors.badRequest("the archive holds neither index.json (OCI layout) nor manifest.json (docker save): it is not an image archive");
  }
  const names = imageNamesFrom(meta);
  if (names.length === 0) {
    throw errors.badRequest(
      "the image archive names no image: an OCI archive needs an io.containerd.image.name or a full org.opencontainers.image.ref.name annotation " +
        "(e.g. docker.io/library/app:1.0), a docker archive RepoTags; without a name no pod could refer to it",
    );
  }
  return names;
}

async function isGzipFile(path: string): Promise<boolean> {
  const head = new Uint8Array(await Bun.file(path).slice(0, 2).arrayBuffer());
  return head.length === 2 && head[0] === 0x1f && head[1] === 0x8b;
}
