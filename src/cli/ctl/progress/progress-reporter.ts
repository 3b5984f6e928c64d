/**
 * Reports a transfer's progress on stderr while its bytes flow. Modes, as `docker buildx
 * --progress` has them: `tty` redraws one line in place (at most ten times a second), `plain`
 * writes a line about once a second and one at the end, `none` writes nothing; `auto` is
 * `tty` when stderr is a terminal and `none` otherwise, so that scripts and logs stay clean.
 */
import { progressBar, progressDone, progressLine, type Progress } from "./progress-format.ts";

export type ProgressMode = "auto" | "tty" | "plain" | "none";

export interface ReporterDeps {
  write: (text: string) => void;
  isTTY: boolean;
  now?: () => number;
}

export function parseProgressMode(v: string | undefined): ProgressMode {
  const mode = v ?? "auto";
  if (mode === "auto" || mode === "tty" || mode === "plain" || mode === "none") return mode;
  throw new Error(`invalid --progress ${JSON.stringify(mode)}: want auto, tty, plain or none`);
}

export class ProgressReporter {
  private done = 0;
  private readonly started: number;
  private lastDraw = -Infinity;
  private readonly mode: "tty" | "plain" | "none";
  private readonly now: () => number;

  constructor(
    private readonly label: string,
    private readonly total: number | undefined,
    mode: ProgressMode,
    private readonly deps: ReporterDeps,
  ) {
    this.mode = mode === "auto" ? (deps.isTTY ? "tty" : "none") : mode;
    this.now = deps.now ?? (() => performance.now());
    this.started = this.now();
  }

  private snapshot(): Progress {
    return { label: this.label, done: this.done, total: this.total, elapsedMs: this.now() - this.started };
  }

  /** `n` more bytes went through. */
  add(n: number): void {
    this.done += n;
    if (this.mode === "none") return;
    const t = this.now();
    const every = this.mode === "tty" ? 100 : 1000;
    // plain: the first line after a second, not at once — a quick transfer prints only its end.
    if (this.mode === "plain" && this.lastDraw === -Infinity) this.lastDraw = this.started;
    if (t - this.lastDraw < every) return;
    this.lastDraw = t;
    this.deps.write(this.mode === "tty" ? `\r\x1b[K${progressBar(this.snapshot())}` : progressLine(this.snapshot()));
  }

  /** The transfer ended (either way): the final state, and the terminal's line left behind. */
  finish(ok = true): void {
    if (this.mode === "tty") this.deps.write(`\r\x1b[K${progressBar(this.snapshot())}\n`);
    else if (this.mode === "plain" && ok) this.deps.write(progressDone(this.snapshot()));
  }

  /** A stream that passes the bytes on and counts them. */
  counter(): TransformStream<Uint8Array, Uint8Array> {
    return new TransformStream({
      transform: (chunk, ctl) => {
        this.add(chunk.byteLength);
        ctl.enqueue(chunk);
      },
    });
  }
}
