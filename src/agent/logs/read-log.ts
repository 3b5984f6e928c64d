/**
 * Streams a container's CRI log file as `kubectl logs` shows it (the kubelet's `ReadLogs`):
 * records from the tail start, older than `since` skipped, the CRI prefix stripped (or the
 * time printed first, once per line, with `timestamps`), pieces of long lines joined, cut
 * after `limitBytes`. With `follow` it keeps reading as the file grows — woken by fs.watch,
 * and by a poll in case an event is missed — until the container has stopped and the file
 * is drained, or `signal` aborts (the client went away).
 */
import { open, type FileHandle } from "node:fs/promises";
import { watch, type FSWatcher } from "node:fs";
import { parseCriRecord } from "./cri-line.ts";
import { findTailStart } from "./tail.ts";
import { sleep } from "../../lib/sleep.ts";

export interface ReadLogOptions {
  follow?: boolean;
  /** Last N lines; undefined: all. */
  tailLines?: number;
  limitBytes?: number;
  /** Records before this (ns since the epoch) are skipped. */
  sinceNs?: bigint;
  timestamps?: boolean;
}

export interface FollowDeps {
  /** Whether the container still runs (following stops once it does not and the file is drained). */
  isRunning(): Promise<boolean>;
  signal: AbortSignal;
  /** How often the file and the container are looked at without a change event. Default 500 ms. */
  pollMs?: number;
}

const CHUNK = 64 * 1024;
const NEWLINE = 0x0a;

export async function* readCriLog(path: string, o: ReadLogOptions, deps: FollowDeps): AsyncGenerator<Buffer> {
  const follow = !!o.follow;
  const fh = await openWhenThere(path, follow, deps);
  if (!fh) return;
  const out = new LineWriter(o);
  const wake = follow ? new Wakeup(path, deps) : undefined;
  try {
    const size = (await fh.stat()).size;
    let pos = await findTailStart(fh, size, o.tailLines ?? -1);
    // Without follow the answer is the file as it was when asked: lines the container writes
    // meanwhile would make `--tail=3` print four.
    const end = follow ? Number.POSITIVE_INFINITY : size;
    let carry: Buffer = Buffer.alloc(0);
    let stopping = false;
    const buf = Buffer.alloc(CHUNK);
    while (!deps.signal.aborted) {
      const want = Math.min(CHUNK, end - pos);
      const { bytesRead } = want > 0 ? await fh.read(buf, 0, want, pos) : { bytesRead: 0 };
      if (bytesRead > 0) {
        pos += bytesRead;
        let data = carry.length ? Buffer.concat([carry, buf.subarray(0, bytesRead)]) : Buffer.from(buf.subarray(0, bytesRead));
        let start = 0;
        for (let nl = data.indexOf(NEWLINE); nl >= 0; nl = data.indexOf(NEWLINE, start)) {
          out.record(data.subarray(start, nl + 1));
          start = nl + 1;
          if (out.full) break;
        }
        carry = data.subarray(start);
        const chunk = out.take();
        if (chunk) yield chunk;
        if (out.full) return;
        continue;
      }
      // End of the file as it is now.
      if (!follow || stopping) {
        // A last line without its newline (the writer stopped mid-line) is shown as it is.
        if (carry.length) out.record(carry);
        const chunk = out.take();
        if (chunk) yield chunk;
        return;
      }
      const grew = await wake!.wait(fh, pos);
      // Only when nothing changed is the runtime asked; a stopped container's last bytes are read next.
      if (!grew && !(await deps.isRunning())) stopping = true;
    }
  } finally {
    wake?.close();
    await fh.close();
  }
}

async function openWhenThere(path: string, follow: boolean, deps: FollowDeps): Promise<FileHandle | undefined> {
  for (;;) {
    try {
      return await open(path, "r");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    }
    // No file yet: the container has not written (or started). Nothing to show unless following it.
    if (!follow || deps.signal.aborted || !(await deps.isRunning())) return undefined;
    await sleep(deps.pollMs ?? 500, deps.signal);
  }
}

/** Turns records into output bytes with the options' filters, prefixes and byte limit. */
class LineWriter {
  private parts: Buffer[] = [];
  private atLineStart = true;
  private remain: number;

  constructor(private readonly o: ReadLogOptions) {
    this.remain = o.limitBytes ?? Number.POSITIVE_INFINITY;
  }

  get full(): boolean {
    return this.remain <= 0;
  }

  record(line: Buffer): void {
    if (this.full) return;
    const r = parseCriRecord(line);
    if (!r) return;
    if (this.o.sinceNs !== undefined && r.time < this.o.sinceNs) return;
    let text = r.content;
    if (this.o.timestamps && this.atLineStart) text = Buffer.concat([Buffer.from(`${r.timestamp} `), text]);
    this.atLineStart = !r.partial;
    if (text.length > this.remain) text = text.subarray(0, this.remain);
    this.remain -= text.length;
    this.parts.push(text);
  }

  take(): Buffer | undefined {
    if (!this.parts.length) return undefined;
    const b = Buffer.concat(this.parts);
    this.parts = [];
    return b;
  }
}

/** Waits for the file to change: an fs.watch event, the poll period, or the end of the request. */
class Wakeup {
  private watcher: FSWatcher | undefined;
  private notify: (() => void) | undefined;

  constructor(path: string, private readonly deps: FollowDeps) {
    try {
      this.watcher = watch(path, { persistent: false }, () => this.notify?.());
      this.watcher.on("error", () => this.close());
    } catch {
      // Polling alone still works.
    }
  }

  /** True when the file is longer than `pos` afterwards. */
  async wait(fh: FileHandle, pos: number): Promise<boolean> {
    if ((await fh.stat()).size > pos) return true;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.notify = undefined;
        this.deps.signal.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, this.deps.pollMs ?? 500);
      this.notify = done;
      this.deps.signal.addEventListener("abort", done, { once: true });
    });
    return (await fh.stat()).size > pos;
  }

  close(): void {
    this.watcher?.close();
    this.watcher = undefined;
  }
}

