/**
 * Column layout across the flushes of `get -w`: kubectl keeps the widths it has used, so a
 * later row lines up with the header and earlier rows, and a wider cell widens its column
 * from then on (Go tabwriter's rules otherwise: cell + 3 spaces, at least 6, last unpadded).
 */
const MIN_WIDTH = 6;
const PADDING = 3;

export class GrowingColumns {
  private widths: number[] = [];

  layout(lines: string[][]): string {
    for (const l of lines) {
      for (let c = 0; c < l.length - 1; c++) this.widths[c] = Math.max(this.widths[c] ?? MIN_WIDTH, [...l[c]!].length + PADDING);
    }
    return lines.map((l) => l.map((cell, c) => (c === l.length - 1 ? cell : cell + " ".repeat(this.widths[c]! - [...cell].length))).join("") + "\n").join("");
  }
}
