/**
 * `k3rs snapshot save|ls|delete|prune`, like `k3s etcd-snapshot`: works on the data dir
 * directly, whether or not the server runs (a snapshot is a read transaction of its own, which
 * a running server's writes do not block).
 */
import type { Command } from "commander";
import { hostname } from "node:os";
import { defaultDataDir, DEFAULT_SNAPSHOT_RETENTION } from "../config/server-config.ts";

type SnapshotDir = typeof import("../server/snapshots/snapshot-dir.ts");
const DEFAULT_SNAPSHOT_NAME = "k3rs-snapshot";

export interface SnapshotCommandDeps {
  out?: (line: string) => void;
  err?: (line: string) => void;
  exit?: (code: number) => void;
  isRoot?: boolean;
}

export function registerSnapshotCommand(program: Command, deps: SnapshotCommandDeps = {}): void {
  const out = deps.out ?? ((l) => console.log(l));
  const err = deps.err ?? ((l) => console.error(l));
  const exit = deps.exit ?? ((c) => process.exit(c));
  const isRoot = deps.isRoot ?? process.getuid?.() === 0;
  const snap = program.command("snapshot").description("Save, list, delete and prune snapshots of the store (<data-dir>/server/db/snapshots)");
  const withDir = (c: Command) => c.option("-d, --data-dir <dir>", "data directory (default /var/lib/k3rs as root, ~/.k3rs otherwise)");
  const dirOf = (o: { dataDir?: string }) => o.dataDir ?? defaultDataDir(isRoot);
  // The store code is loaded by the command that uses it, as each role's code is (main.ts).
  const run = (fn: (dir: SnapshotDir, o: Record<string, any>, args: string[]) => void) => async (...a: any[]) => {
    const cmd = a[a.length - 1] as Command;
    try {
      fn(await import("../server/snapshots/snapshot-dir.ts"), cmd.opts(), cmd.args);
      exit(0);
    } catch (e) {
      err(`k3rs snapshot: ${describeError(e)}`);
      exit(1);
    }
  };

  withDir(snap.command("save"))
    .description("Save a consistent snapshot of the store now")
    .option("--name <name>", `snapshot name (default ${DEFAULT_SNAPSHOT_NAME})`)
    .option("--node-name <name>", "node name in the file name (default: hostname)")
    .option("--json", "print what was saved as one line of JSON (name, path, bytes, objects, revision, createdMs)")
    .action(
      run(({ saveSnapshot }, o) => {
        const s = saveSnapshot(dirOf(o), { name: o.name, node: (o.nodeName ?? hostname()).toLowerCase() });
        out(o.json ? JSON.stringify(s) : `Snapshot ${s.name} saved: ${s.path} (${s.objects} objects, revision ${s.revision}, ${s.bytes} bytes)`);
      }),
    );

  withDir(snap.command("ls").alias("list"))
    .description("List snapshots, newest first")
    .action(
      run(({ listSnapshots }, o) => {
        const rows = listSnapshots(dirOf(o)).map((s) => [s.name, s.path, String(s.bytes), new Date(s.createdMs).toISOString()]);
        for (const line of table([["Name", "Location", "Size", "Created"], ...rows])) out(line);
      }),
    );

  withDir(snap.command("delete").alias("rm"))
    .description("Delete snapshots by name")
    .argument("<names...>")
    .action(
      run(({ deleteSnapshots }, o, names) => {
        for (const n of deleteSnapshots(dirOf(o), names)) out(`Snapshot ${n} deleted.`);
      }),
    );

  withDir(snap.command("prune"))
    .description("Delete all but the newest --snapshot-retention snapshots of a name")
    .option("--name <name>", `snapshot name (default ${DEFAULT_SNAPSHOT_NAME})`)
    .option("--snapshot-retention <n>", `snapshots to keep (default ${DEFAULT_SNAPSHOT_RETENTION})`)
    .action(
      run(({ pruneSnapshots }, o) => {
        const keep = Number(o.snapshotRetention ?? DEFAULT_SNAPSHOT_RETENTION);
        if (!Number.isInteger(keep) || keep < 0) throw new Error(`invalid --snapshot-retention ${JSON.stringify(o.snapshotRetention)}`);
        for (const n of pruneSnapshots(dirOf(o), o.name ?? DEFAULT_SNAPSHOT_NAME, keep)) out(`Snapshot ${n} deleted.`);
      }),
    );
}

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join("  "));
}

function describeError(e: unknown): string {
  const parts: string[] = [];
  for (let c: unknown = e; c; c = (c as { cause?: unknown }).cause) parts.push(c instanceof Error ? c.message : String(c));
  return parts.join(": ");
}
