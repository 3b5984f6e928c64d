/**
 * The import graph of src/, read from the source text: every static `import … from`,
 * `export … from` and dynamic `import("…")` of a relative path, resolved to a file. Type-only
 * imports are marked: they vanish at run time, so they cannot form a loop that runs, but they
 * still count for layering (a lower layer that names a higher one's types depends on it).
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

export interface Edge {
  from: string;
  to: string;
  typeOnly: boolean;
  dynamic: boolean;
}

const IMPORT = /(?:^|\n)\s*(import|export)\s+(type\s+)?(?:[^'"]*?\s+from\s+)?["']([^"']+)["']/g;
const DYNAMIC = /\bimport\(\s*["']([^"']+)["']\s*\)/g;

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sourceFiles(p));
    else if (/\.ts$/.test(name) && !/\.test\.ts$/.test(name) && !/\.d\.ts$/.test(name)) out.push(p);
  }
  return out;
}

/** Edges between files of `root` (paths relative to `root`, e.g. "api/app.ts"). */
export function importGraph(root: string): Edge[] {
  const edges: Edge[] = [];
  for (const file of sourceFiles(root)) {
    const text = readFileSync(file, "utf8");
    const from = relative(root, file);
    const add = (spec: string, typeOnly: boolean, dynamic: boolean) => {
      if (!spec.startsWith(".")) return;
      const target = relative(root, resolve(dirname(file), spec));
      if (target.startsWith("..") || !/\.ts$/.test(target)) return;
      edges.push({ from, to: target, typeOnly, dynamic });
    };
    for (const m of text.matchAll(IMPORT)) {
      // `import { type A, type B } from` is type-only too.
      const clause = m[0];
      const braces = /\{([^}]*)\}/.exec(clause)?.[1];
      const allTypes = !!braces && braces.split(",").map((s) => s.trim()).filter(Boolean).every((s) => s.startsWith("type "));
      add(m[3]!, !!m[2] || (allTypes && !/\{[^}]*\}\s*,|,\s*\{/.test(clause) && !/import\s+\w+\s*,/.test(clause)), false);
    }
    for (const m of text.matchAll(DYNAMIC)) add(m[1]!, false, true);
  }
  return edges;
}

/** The room of a file: its first folder under src/ ("api", "agent", …), or the file itself at the top. */
export function roomOf(file: string): string {
  const i = file.indexOf("/");
  return i < 0 ? file.replace(/\.ts$/, "") : file.slice(0, i);
}

/** Loops among runtime (non-type-only, static) imports, each as a list of files. */
export function runtimeCycles(edges: Edge[]): string[][] {
  const next = new Map<string, string[]>();
  for (const e of edges) if (!e.typeOnly && !e.dynamic) next.set(e.from, [...(next.get(e.from) ?? []), e.to]);
  // Tarjan's strongly connected components; any component of 2+ files is a loop.
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of next.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const comp: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        comp.push(w);
      } while (w !== v);
      if (comp.length > 1) out.push(comp.sort());
    }
  };
  for (const v of next.keys()) if (!idx.has(v)) visit(v);
  return out;
}
