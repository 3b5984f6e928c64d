/**
 * Imports an image archive (OCI layout or `docker save` tarball, plain or gzipped) into
 * containerd's `k8s.io` namespace, where the CRI sees it, through `ctr images import`.
 * ctr does the content ingestion and the unpacking into the snapshotter; we only feed it and
 * read back what it named.
 *
 * Behaviour of containerd 1.6.20's ctr, as measured (the contract this module relies on):
 * - it prints `unpacking <name> (<digest>)...done` for each image it stored, so the names
 *   come from its stdout;
 * - an OCI entry is named by `io.containerd.image.name` verbatim, else by a full
 *   `org.opencontainers.image.ref.name`; an entry with neither imports nothing and ctr still
 *   exits 0 — we report that as an error; docker archives' RepoTags are normalized by ctr;
 * - it reads plain tar only (gzip fails with "invalid tar header"), so gzip is undone here and
 *   streamed to `ctr … import -`;
 * - without `--all-platforms` an archive with nothing for this machine's platform fails with
 *   "image might be filtered out"; importing another arch's image would be useless anyway.
 */
import { open } from "node:fs/promises";

export const DEFAULT_CTR = "/usr/bin/ctr";
/** The containerd namespace the CRI plugin works in. */
export const CRI_NAMESPACE = "k8s.io";

export interface ImportImageOptions {
  ctrPath?: string;
  /** containerd's gRPC socket path. */
  address: string;
  archive: string;
  namespace?: string;
  /** Snapshotter to unpack into; ctr's default (overlayfs) when absent, as the CRI's. */
  snapshotter?: string;
  signal?: AbortSignal;
}

export class ImageImportError extends Error {
  constructor(
    readonly archive: string,
    message: string,
    /** ctr's stderr, when ctr failed. */
    readonly stderr = "",
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "ImageImportError";
  }
}

/**
 * Imports `o.archive` and returns the names of the images it held, as containerd stores them.
 *
 * @example
 * await importImageArchive({ address: "/run/k3rs/containerd.sock", archive: "busybox.tar" })
 * // → ["docker.io/library/busybox:latest"]
 */
export async function importImageArchive(o: ImportImageOptions): Promise<string[]> {
  const gzipped = await isGzip(o.archive);
  const args = [
    o.ctrPath ?? DEFAULT_CTR,
    "--address", o.address,
    "--namespace", o.namespace ?? CRI_NAMESPACE,
    "images", "import",
    ...(o.snapshotter ? ["--snapshotter", o.snapshotter] : []),
    gzipped ? "-" : o.archive,
  ];
  let proc: Bun.Subprocess<"pipe" | "ignore", "pipe", "pipe">;
  try {
    proc = Bun.spawn(args, {
      stdin: gzipped ? "pipe" : "ignore",
      stdout: "pipe",
      stderr: "pipe",
      signal: o.signal,
    });
  } catch (cause) {
    throw new ImageImportError(o.archive, `importing ${o.archive}: cannot run ${args[0]}`, "", { cause });
  }
  const feeding = gzipped ? feedGunzipped(o.archive, proc.stdin as Bun.FileSink) : Promise.resolve();
  const [stdout, stderr, code, fed] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
    feeding.then(() => undefined, (e: unknown) => e),
  ]);
  if (code !== 0) {
    const why = stderr.trim().replace(/^ctr: /gm, "");
    const hint = /filtered out/.test(why) ? " (the archive holds no image for this machine's platform)" : "";
    throw new ImageImportError(o.archive, `importing ${o.archive}: ctr exited with ${code}: ${why}${hint}`, stderr, { cause: fed });
  }
  if (fed) throw new ImageImportError(o.archive, `importing ${o.archive}: reading the archive failed`, stderr, { cause: fed });
  const names = importedNames(stdout);
  if (names.length === 0) {
    throw new ImageImportError(
      o.archive,
      `importing ${o.archive}: the archive names no image (an OCI archive needs an io.containerd.image.name or a full org.opencontainers.image.ref.name annotation)`,
      stderr,
    );
  }
  return names;
}

/** The names in ctr's `unpacking <name> (<digest>)...done` lines, in order, once each. */
export function importedNames(stdout: string): string[] {
  const names = new Set<string>();
  for (const m of stdout.matchAll(/^unpacking (\S+) \(sha256:[0-9a-f]{64}\)\.\.\./gm)) names.add(m[1]!);
  return [...names];
}

async function isGzip(path: string): Promise<boolean> {
  let file;
  try {
    file = await open(path, "r");
  } catch (cause) {
    throw new ImageImportError(path, `importing ${path}: cannot open it`, "", { cause });
  }
  try {
    const head = new Uint8Array(2);
    const { bytesRead } = await file.read(head, 0, 2, 0);
    return bytesRead === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    await file.close();
  }
}

async function feedGunzipped(path: string, sink: Bun.FileSink): Promise<void> {
  try {
    const stream = Bun.file(path).stream().pipeThrough(new DecompressionStream("gzip"));
    for await (const chunk of stream) {
      sink.write(chunk);
      await sink.flush();
    }
  } finally {
    await sink.end();
  }
}
