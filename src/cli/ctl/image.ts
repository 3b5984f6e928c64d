/**
 * `k3rs ctl image import|ls|rm`: the cluster image store (`/v1-k3rs/images`). An imported
 * archive goes to the server, and from there to every node, present and future; `ls` shows
 * on how many nodes each image has landed (from node.status.images, which the agents fill
 * from their runtime). `export` writes an archive back out. Transfers show their progress
 * on stderr (progress/), so that stdout carries only results — or the archive itself.
 */
import { rmSync, statSync } from "node:fs";
import { basename } from "node:path";
import { layoutColumns } from "../../api/table/render-text.ts";
import { IMAGES_PATH, shortDigest, type ClusterImage, type ClusterImageList } from "../../model/cluster-image.ts";
import type { KubeObject } from "../../model/object.ts";
import { normalizeImageRef } from "../../model/image-ref.ts";
import { formatError, type CtlContext } from "./context.ts";
import { humanSize } from "./printers/human-size.ts";
import { ProgressReporter, type ProgressMode } from "./progress/progress-reporter.ts";

/** Where transfer progress goes: stderr, with its mode (`--progress`). */
export interface ProgressOutput {
  mode: ProgressMode;
  write: (text: string) => void;
  isTTY: boolean;
}

export const stderrProgress = (mode: ProgressMode = "auto"): ProgressOutput => ({ mode, write: (t) => void process.stderr.write(t), isTTY: !!process.stderr.isTTY });

/** Uploads each file; prints one line per image; 1 when any failed (the others still go). */
export async function runImageImport(ctx: CtlContext, files: string[], progress: ProgressOutput = stderrProgress()): Promise<number> {
  if (files.length === 0) throw new Error("image import needs at least one archive file (an OCI layout or docker-archive tarball)");
  let failed = 0;
  for (const file of files) {
    let reporter: ProgressReporter | undefined;
    try {
      const st = statSync(file, { throwIfNoEntry: false });
      if (!st) throw new Error("no such file");
      if (!st.isFile()) throw new Error("not a regular file");
      reporter = new ProgressReporter(basename(file), st.size, progress.mode, progress);
      const body = Bun.file(file).stream().pipeThrough(reporter.counter());
      const image = await ctx.client.request<ClusterImage>(IMAGES_PATH, { method: "POST", body, contentType: "application/octet-stream" });
      reporter.finish();
      ctx.out(`imported ${image.names.join(", ")} (${shortDigest(image.digest)})\n`);
    } catch (e) {
      reporter?.finish(false);
      failed++;
      ctx.err(formatError(e).replace(/^(error: |Error from server \(\w+\): )/, `$1${file}: `));
    }
  }
  return failed ? 1 : 0;
}

/**
 * Writes one image's archive, as it was imported, to `output` (a file) or to stdout when
 * that is not a terminal; `image` is a digest (full or a unique prefix) or a name it carries.
 */
export async function runImageExport(ctx: CtlContext, image: string, o: { output?: string; stdoutIsTTY?: boolean }, progress: ProgressOutput = stderrProgress()): Promise<number> {
  const toStdout = !o.output || o.output === "-";
  if (toStdout && (o.stdoutIsTTY ?? !!process.stdout.isTTY)) throw new Error("refusing to write an image archive to a terminal: use -o FILE or redirect stdout");
  const known = (await ctx.client.request<ClusterImageList>(IMAGES_PATH)).items ?? [];
  const digest = findImage(image, known);
  const res = await ctx.client.stream(`${IMAGES_PATH}/${encodeURIComponent(digest)}`, { accept: "application/x-tar, application/json" });
  const size = Number(res.headers.get("content-length") ?? Number.NaN);
  const reporter = new ProgressReporter(toStdout ? shortDigest(digest) : basename(o.output!), Number.isFinite(size) ? size : undefined, progress.mode, progress);
  const sink = (toStdout ? Bun.stdout : Bun.file(o.output!)).writer();
  try {
    for await (const chunk of res.body!.pipeThrough(reporter.counter())) {
      sink.write(chunk);
      await sink.flush();
    }
    await sink.end();
    reporter.finish();
  } catch (e) {
    reporter.finish(false);
    await Promise.resolve(sink.end()).catch(() => {});
    if (!toStdout) rmSync(o.output!, { force: true });
    throw new Error(`exporting ${image}: ${(e as Error).message}`, { cause: e });
  }
  if (!toStdout) ctx.out(`exported ${known.find((i) => i.digest === digest)?.names.join(", ") ?? digest} (${shortDigest(digest)}) to ${o.output}\n`);
  return 0;
}

/** A digest (full or a unique prefix) or one of the names an image carries (`busybox` is docker.io/library/busybox:latest). */
export function findImage(given: string, known: ClusterImage[]): string {
  const name = known.find((i) => i.names.includes(given)) ?? known.find((i) => i.names.includes(normalizeImageRef(given)));
  if (name) return name.digest;
  try {
    return resolveDigest(given, known);
  } catch (e) {
    if (/^(sha256:)?[0-9a-f]{4,64}$/.test(given)) throw e;
    throw new Error(`no image named ${given} in the cluster image store (see \`k3rs ctl image ls\`)`);
  }
}

export interface ImageRow {
  image: string;
  digest: string;
  sizeBytes: number;
  /** Nodes that report this name in status.images. */
  nodes: number;
}

/** One row per image name (as `crictl images` prints one per tag), with the nodes that have it. */
export function imageRows(images: ClusterImage[], nodes: KubeObject[]): ImageRow[] {
  const have = nodes.map((n) => new Set<string>((n.status?.images ?? []).flatMap((i: any) => i.names ?? [])));
  const rows: ImageRow[] = [];
  for (const img of images) {
    for (const name of img.names) rows.push({ image: name, digest: img.digest, sizeBytes: img.sizeBytes, nodes: have.filter((h) => h.has(name)).length });
  }
  return rows.sort((a, b) => a.image.localeCompare(b.image));
}

export async function runImageLs(ctx: CtlContext, o: { output?: string } = {}): Promise<number> {
  if (o.output && o.output !== "json" && o.output !== "table") throw new Error(`unable to match a printer suitable for the output format "${o.output}", allowed formats are: json,table`);
  const [list, nodes] = await Promise.all([
    ctx.client.request<ClusterImageList>(IMAGES_PATH),
    ctx.client.request<{ items: KubeObject[] }>("/api/v1/nodes"),
  ]);
  const images = list.items ?? [];
  if (o.output === "json") {
    const rows = imageRows(images, nodes.items ?? []);
    const items = images.map((i) => ({ ...i, nodes: Math.max(0, ...rows.filter((r) => r.digest === i.digest).map((r) => r.nodes)) }));
    ctx.out(JSON.stringify({ items }, null, 2) + "\n");
    return 0;
  }
  if (images.length === 0) {
    ctx.err("No images found in the cluster image store (add one with `k3rs ctl image import FILE`).\n");
    return 0;
  }
  const lines = [["IMAGE", "DIGEST", "SIZE", "NODES"], ...imageRows(images, nodes.items ?? []).map((r) => [r.image, shortDigest(r.digest), humanSize(r.sizeBytes), String(r.nodes)])];
  ctx.out(layoutColumns(lines));
  return 0;
}

/** Removes images from the store by digest (full or the short form `ls` prints); nodes keep theirs. */
export async function runImageRm(ctx: CtlContext, digests: string[]): Promise<number> {
  if (digests.length === 0) throw new Error("image rm needs at least one digest (see `k3rs ctl image ls`)");
  const known = (await ctx.client.request<ClusterImageList>(IMAGES_PATH)).items ?? [];
  let failed = 0;
  for (const d of digests) {
    try {
      const digest = resolveDigest(d, known);
      const image = await ctx.client.request<ClusterImage>(`${IMAGES_PATH}/${encodeURIComponent(digest)}`, { method: "DELETE" });
      ctx.out(`deleted ${image.names.join(", ")} (${shortDigest(image.digest)})\n`);
    } catch (e) {
      failed++;
      ctx.err(formatError(e));
    }
  }
  return failed ? 1 : 0;
}

/** A full digest, or the unique stored image whose digest starts with the given hex prefix. */
export function resolveDigest(given: string, known: ClusterImage[]): string {
  const hex = given.replace(/^sha256:/, "");
  if (/^[0-9a-f]{64}$/.test(hex)) return `sha256:${hex}`;
  if (!/^[0-9a-f]{4,63}$/.test(hex)) throw new Error(`invalid image digest ${JSON.stringify(given)}: want sha256:<hex> or at least 4 hex digits of one`);
  const hits = known.filter((i) => i.digest.startsWith(`sha256:${hex}`));
  if (hits.length === 0) throw new Error(`no image with a digest starting with ${hex}`);
  if (hits.length > 1) throw new Error(`${hex} is ambiguous: ${hits.map((i) => shortDigest(i.digest)).join(", ")}`);
  return hits[0]!.digest;
}
