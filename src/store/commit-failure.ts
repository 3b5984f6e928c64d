/**
 * What a failed commit tells its writers. A full disk is the failure an operator meets on an
 * edge box (an SD card filled by logs) and can mend while the server runs: SQLite rolls the
 * transaction back, nothing committed is lost, and the next commit succeeds once there is
 * room. So it is a NoSpace that says what to do, as etcd's "database space exceeded" does;
 * any other failure keeps its cause for the server's log. A run of failures is told once,
 * not once a write: clients retrying against a full disk would otherwise fill the log too.
 */
import { StoreError } from "./types.ts";
import type { WriteOp } from "./write-ops.ts";

export const DISK_FULL_MESSAGE = "database or disk is full: the disk holding the server's store has no room for this write; nothing was written, and writes succeed again once space is freed there";

export function commitFailure(cause: unknown, batch: readonly WriteOp[], path: string): Error {
  if ((cause as { code?: unknown } | null)?.code === "SQLITE_FULL") return new StoreError("NoSpace", batch[0]?.key ?? "", DISK_FULL_MESSAGE, { cause });
  return new Error(`committing ${batch.length} writes to the store at ${path}`, { cause });
}

/** A run of failed commits, told once when it starts and once when a commit succeeds again. */
export class FailureSpell {
  private failing = false;

  constructor(
    private readonly onFailing?: (error: Error) => void,
    private readonly onRecovered?: () => void,
  ) {}

  failed(error: Error): void {
    if (!this.failing) this.onFailing?.(error);
    this.failing = true;
  }

  succeeded(): void {
    if (this.failing) this.onRecovered?.();
    this.failing = false;
  }
}
