/**
 * Where audit lines go: a file rotated by size as the apiserver's lumberjack does it, or
 * standard output (`audit-log-path=-`). When the file passes `maxBytes` it is renamed
 * `<name>-<UTC time as 2006-01-02T15-04-05.000><ext>` and a new one begun; backups past
 * `maxBackups` (0: keep all) or older than `maxAgeDays` by the time in their name (0: no age
 * limit) are removed.
 *
 * A write never throws: a full disk or an unwritable path loses the line (the apiserver's
 * blocking log backend drops too) and is told in the server's log — the first failure at
 * once, then at most one line a minute with the count lost meanwhile.
 */
import { closeSync, fstatSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, writeSync } from "node:fs";
import { basename, dirname, extname, join } from "node:path";
import { log } from "../../log.ts";

export interface AuditFileOptions {
  /** A file, or "-" for standard output. */
  path: string;
  /** Rotate before a line would take the file past this. Default 100 MiB. */
  maxBytes?: number;
  /** Old files kept; 0 keeps all (the apiserver's default). Default 0. */
  maxBackups?: number;
  /** Old files removed once this many days old; 0 keeps them. Default 0. */
  maxAgeDays?: number;
  now?: () => Date;
  /** Standard output, replaceable in tests. */
  stdout?: (line: string) => void;
}

const FAILURE_LOG_EVERY_MS = 60_000;

export class AuditFile {
  private readonly maxBytes: number;
  private readonly maxBackups: number;
  private readonly maxAgeMs: number;
  private readonly now: () => Date;
  private size = 0;
  /** Kept open rather than opened per line as appendFileSync does; undefined until (re)opened. */
  private fd: number | undefined;
  private lost = 0;
  /** A line was cut short (a disk filling mid-write): the next one starts on a line of its own. */
  private partial = false;
  private lastFailureLog = -Infinity;

  /** Creates the file's directory and checks the file can be opened for appending (a bad path stops the start, as with the apiserver). */
  constructor(private readonly o: AuditFileOptions) {
    this.maxBytes = o.maxBytes ?? 100 * 1024 * 1024;
    this.maxBackups = o.maxBackups ?? 0;
    this.maxAgeMs = (o.maxAgeDays ?? 0) * 24 * 3600 * 1000;
    this.now = o.now ?? (() => new Date());
    if (o.path === "-") return;
    try {
      mkdirSync(dirname(o.path), { recursive: true, mode: 0o700 });
      this.open();
    } catch (cause) {
      throw new Error(`opening the audit log ${o.path}`, { cause });
    }
  }

  write(line: string): void {
    if (this.o.path === "-") {
      (this.o.stdout ?? ((l) => process.stdout.write(l)))(line);
      return;
    }
    const bytes = Buffer.byteLength(line);
    try {
      if (this.size > 0 && this.size + bytes > this.maxBytes) this.rotate();
      if (this.fd === undefined) this.open();
      this.writeAll(this.partial ? "\n" + line : line);
      this.partial = false;
      this.size += bytes;
      if (this.lost) this.tellLost(undefined);
    } catch (e) {
      this.lost++;
      this.tellLost(e);
      // Opened afresh for the next line: the path may have been fixed (or rotation half done).
      this.close();
    }
  }

  /** A line whole, or an error (a short write is retried for the rest). */
  private writeAll(line: string): void {
    const buf = Buffer.from(line);
    let at = 0;
    try {
      while (at < buf.length) at += writeSync(this.fd!, buf, at, buf.length - at);
    } catch (e) {
      if (at > 0) this.partial = true;
      throw e;
    }
  }

  private open(): void {
    this.fd = openSync(this.o.path, "a", 0o600);
    this.size = fstatSync(this.fd).size;
  }

  private close(): void {
    if (this.fd === undefined) return;
    try {
      closeSync(this.fd);
    } catch {
      // already unusable; nothing more to release
    }
    this.fd = undefined;
  }

  private tellLost(error: unknown): void {
    const t = this.now().getTime();
    if (error === undefined) {
      log.warn("audit: the log is written again", { path: this.o.path, eventsLost: this.lost });
      this.lost = 0;
      return;
    }
    if (t - this.lastFailureLog < FAILURE_LOG_EVERY_MS) return;
    this.lastFailureLog = t;
    log.error("audit: writing the log failed; events are lost until it succeeds", { path: this.o.path, eventsLost: this.lost, error: String(error) });
  }

  private rotate(): void {
    const dir = dirname(this.o.path);
    const ext = extname(this.o.path);
    const base = basename(this.o.path, ext);
    this.close();
    try {
      renameSync(this.o.path, join(dir, `${base}-${backupStamp(this.now())}${ext}`));
    } catch (e) {
      // A file that is gone needs no rotating: the next line begins a new one.
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    }
    this.size = 0;
    const backups = readdirSync(dir)
      .map((f) => ({ f, t: backupTime(f, base, ext) }))
      .filter((b): b is { f: string; t: number } => b.t !== undefined)
      .sort((a, b) => b.t - a.t);
    const cutoff = this.now().getTime() - this.maxAgeMs;
    backups.forEach((b, i) => {
      const tooMany = this.maxBackups > 0 && i >= this.maxBackups;
      const tooOld = this.maxAgeMs > 0 && b.t < cutoff;
      if (tooMany || tooOld) rmSync(join(dir, b.f), { force: true });
    });
  }
}

/** lumberjack's backup time format, in UTC: 2006-01-02T15-04-05.000. */
function backupStamp(d: Date): string {
  return d.toISOString().replace(/:/g, "-").replace(/Z$/, "");
}

function backupTime(file: string, base: string, ext: string): number | undefined {
  if (!file.startsWith(`${base}-`) || !file.endsWith(ext)) return undefined;
  const m = /^(\d{4}-\d\d-\d\d)T(\d\d)-(\d\d)-(\d\d)\.(\d{3})$/.exec(file.slice(base.length + 1, file.length - ext.length));
  if (!m) return undefined;
  const t = Date.parse(`${m[1]}T${m[2]}:${m[3]}:${m[4]}.${m[5]}Z`);
  return Number.isNaN(t) ? undefined : t;
}
