/**
 * `k3rs ctl image import|ls|rm`: the cluster image store (`/v1-k3rs/images`). An imported
 * archive goes to the server, and from there to every node, present and future; `ls` shows
 * on how many nodes each image has landed (from node.status.images, which the agents fill
 * from their runtime).
 */
import { statSync } from "node:fs";
import { layoutColumns } from "../../api/table/render-text.ts";
import { IMAGES_PATH, shortDigest, type ClusterImage, type ClusterImageList } from "../../model/cluster-image.ts";
import type { KubeObject } from "../../model/object.ts";
import { formatError, type CtlContext } from "./context.ts";

/** Uploads each file; prints one line per image; 1 when any failed (the others still go). */
export async function runImageImport(ctx: CtlContext, files: string[]): Promise<number> {
  if (files.length === 0) throw new Error("image import needs at least one archive file (an OCI layout or docker-archive tarball)");
  let failed = 0;
  for (const file of files) {
    try {
      const st = statSync(file, { throwIfNoEntry: false });
      if (!st) throw new Error("no such file");
      if (!st.isFile()) throw new Error("not a regular file");
      const image = await ctx.client.request<ClusterImage>(IMAGES_PATH, { method: "POST", body: Bun.file(file), contentType: "application/octet-stream" });
      ctx.out(`imported ${image.names.join(", ")} (${shortDigest(image.digest)})\n`);
    } catch (e) {
      failed++;
      ctx.err(formatError(e).replace(/^(error: |Error from server \(\w+\): )/, `$1${file}: `));
    }
  }
  return failed ? 1 : 0;
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

/** Decimal sizes with three significant digits, as Docker's units.HumanSize prints them. */
export function humanSize(bytes: number): string {
  const units = ["B", "kB", "MB", "GB", "TB", "PB"];
  let v = bytes;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${Number(v.toPrecision(3))}${units[u]}`;
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
