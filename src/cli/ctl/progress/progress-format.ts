/**
 * What a long transfer prints (image import and export): on a terminal one line redrawn in
 * place — name, bar, percent, bytes, rate, time left — and elsewhere plain lines a log keeps.
 * Pure: the reporter owns the clock and the stream.
 *
 * @example
 *   progressBar({ label: "busybox.tar", done: 1_200_000, total: 2_400_000, elapsedMs: 1000 })
 *   // "busybox.tar  [==========>          ]  50%  1.2MB/2.4MB  1.2MB/s  ETA 1s"
 */
import { humanSize } from "../printers/human-size.ts";

export interface Progress {
  label: string;
  done: number;
  /** Undefined when the size is not known up front (then there is no bar, percent or ETA). */
  total?: number;
  elapsedMs: number;
}

const BAR = 20;

/** Bytes per second so far; 0 before any time has passed. */
export function rate(p: Progress): number {
  return p.elapsedMs > 0 ? (p.done * 1000) / p.elapsedMs : 0;
}

/** `45s`, `3m05s`, `1h02m`. */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.ceil(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

function eta(p: Progress): string {
  const r = rate(p);
  if (p.total === undefined) return "";
  if (p.done >= p.total) return "ETA 0s";
  return r > 0 ? `ETA ${duration((p.total - p.done) / r)}` : "ETA --";
}

const percent = (p: Progress) => (p.total ? Math.min(100, Math.floor((p.done * 100) / p.total)) : 100);

/** The terminal line (no newline, the caller redraws it with `\r`). */
export function progressBar(p: Progress): string {
  const speed = `${humanSize(Math.round(rate(p)))}/s`;
  if (p.total === undefined) return `${p.label}  ${humanSize(p.done)}  ${speed}`;
  const filled = Math.floor((percent(p) * BAR) / 100);
  const bar = filled >= BAR ? "=".repeat(BAR) : `${"=".repeat(filled)}>${" ".repeat(BAR - filled - 1)}`;
  return `${p.label}  [${bar}] ${String(percent(p)).padStart(3)}%  ${humanSize(p.done)}/${humanSize(p.total)}  ${speed}  ${eta(p)}`;
}

/** A plain line while the transfer runs. */
export function progressLine(p: Progress): string {
  const speed = `${humanSize(Math.round(rate(p)))}/s`;
  if (p.total === undefined) return `${p.label}: ${humanSize(p.done)}, ${speed}\n`;
  return `${p.label}: ${humanSize(p.done)}/${humanSize(p.total)} (${percent(p)}%), ${speed}, ${eta(p)}\n`;
}

/** The plain line that ends a transfer. */
export function progressDone(p: Progress): string {
  return `${p.label}: ${humanSize(p.done)} in ${(p.elapsedMs / 1000).toFixed(1)}s (${humanSize(Math.round(rate(p)))}/s)\n`;
}
