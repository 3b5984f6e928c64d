/**
 * Where the last N lines of a CRI log file start, found by reading backwards in blocks — the
 * file is never read whole (an agent does not rotate logs yet, so files can be large).
 *
 * A line is a run of P records closed by an F record; a run of P records at the very end
 * (a line still being written) counts as a line too. (The kubelet counts raw records, which
 * splits a long line into several "lines"; lines are what a user asking for --tail means.)
 */
import type { FileHandle } from "node:fs/promises";
import { isPartialRecord } from "./cri-line.ts";

const BLOCK = 64 * 1024;
const NEWLINE = 0x0a;

/** Offset to start reading at for the last `n` lines; n < 0: all (0). */
export async function findTailStart(fh: FileHandle, size: number, n: number, blockSize = BLOCK): Promise<number> {
  if (n < 0 || size === 0) return 0;
  let count = 0;
  let first = true;
  // Returns the start offset once the (n+1)-th line end from the back is passed.
  const visit = (record: Buffer, end: number): number | undefined => {
    const lineEnd = first || !isPartialRecord(record);
    first = false;
    if (!lineEnd) return undefined;
    if (count === n) return end;
    count++;
    return undefined;
  };
  let blockEnd = size;
  let lineEnd = size;
  let carry: Buffer = Buffer.alloc(0);
  while (blockEnd > 0) {
    const start = Math.max(0, blockEnd - blockSize);
    const block = Buffer.alloc(blockEnd - start);
    await fh.read(block, 0, block.length, start);
    let data = carry.length ? Buffer.concat([block, carry]) : block;
    // The last byte may be the current record's own newline; its start is the newline before.
    let from = data.length - 2;
    while (from >= 0) {
      const j = data.lastIndexOf(NEWLINE, from);
      if (j < 0) break;
      const found = visit(data.subarray(j + 1), lineEnd);
      if (found !== undefined) return found;
      lineEnd = start + j + 1;
      data = data.subarray(0, j + 1);
      from = j - 1;
    }
    carry = data;
    blockEnd = start;
  }
  const found = visit(carry, lineEnd);
  return found ?? 0;
}
