/**
 * The Litestream executable, embedded in k3rs's own (`bun build --compile` bundles a file
 * imported `with { type: "file" }`; when run from source the import is the path inside
 * node_modules). Extracted once per version to `<data-dir>/server/bin/`, since the embedded
 * copy cannot be executed in place.
 */
import { chmodSync, existsSync, mkdirSync, renameSync, statSync } from "node:fs";
import { join } from "node:path";
import embeddedLitestream from "@flydotio/litestream-linux-x64/litestream" with { type: "file" };

/** What `@flydotio/litestream-linux-x64` 1.0.1 ships (DESIGN.md: verified against Swift's s3api). */
export const LITESTREAM_VERSION = "v0.3.13";

/** Writes the executable into dir unless an identical-size copy is there; returns its path. */
export async function extractLitestream(dir: string): Promise<string> {
  const target = join(dir, `litestream-${LITESTREAM_VERSION}`);
  const source = Bun.file(embeddedLitestream);
  if (existsSync(target) && statSync(target).size === source.size) return target;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const partial = `${target}.partial-${process.pid}`;
  try {
    await Bun.write(partial, source);
    chmodSync(partial, 0o755);
    renameSync(partial, target);
  } catch (cause) {
    throw new Error(`extracting Litestream to ${target}`, { cause });
  }
  return target;
}
