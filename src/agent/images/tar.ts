/**
 * Reproducible tar writing: every entry owned by 0:0 with one fixed mtime, no user or group
 * names, entries in the order given — so the same input always gives the same bytes, and
 * with them the same digests.
 */
import { pack, type Header } from "tar-stream";

/** The mtime of every entry we write (the Unix epoch, as SOURCE_DATE_EPOCH=0 would give). */
export const FIXED_MTIME = new Date(0);

export interface TarEntry {
  /** Relative path; directories may end with "/". */
  name: string;
  type: "file" | "directory" | "symlink";
  mode: number;
  data?: Uint8Array;
  linkname?: string;
}

/** The tar archive of `entries`, in order. */
export async function packTar(entries: TarEntry[]): Promise<Uint8Array> {
  const p = pack();
  const chunks: Uint8Array[] = [];
  const collected = (async () => {
    for await (const chunk of p) chunks.push(chunk as Uint8Array);
  })();
  for (const e of entries) {
    const header: Partial<Header> & { name: string } = {
      name: e.name,
      type: e.type,
      mode: e.mode,
      uid: 0,
      gid: 0,
      mtime: FIXED_MTIME,
    };
    if (e.type === "symlink") header.linkname = e.linkname;
    await new Promise<void>((resolve, reject) => {
      const done = (err?: Error | null) => (err ? reject(err) : resolve());
      if (e.type === "file") p.entry({ ...header, size: e.data?.length ?? 0 }, toBuffer(e.data), done);
      else p.entry(header, done);
    });
  }
  p.finalize();
  await collected;
  return Buffer.concat(chunks);
}

function toBuffer(data: Uint8Array | undefined): Buffer {
  if (!data) return Buffer.alloc(0);
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}
