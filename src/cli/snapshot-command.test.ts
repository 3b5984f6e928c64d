import { afterEach, expect, test } from "bun:test";
import { Command } from "commander";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { registerSnapshotCommand } from "./snapshot-command.ts";
import { openSqliteStore } from "../store/sqlite.ts";
import { storePath } from "../server/snapshots/snapshot-dir.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function k3rs(args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  let code = -1;
  const program = new Command("k3rs").exitOverride();
  registerSnapshotCommand(program, { out: (l) => out.push(l), err: (l) => err.push(l), exit: (c) => (code = c), isRoot: false });
  await program.parseAsync(["snapshot", ...args], { from: "user" });
  return { code, out, err };
}

test("save, ls, delete and prune on a data dir; errors are one line and exit 1", async () => {
  const dir = mkdtempSync(join(tmpdir(), "dur-cli-"));
  dirs.push(dir);
  const store = openSqliteStore({ path: storePath(dir) });
  await store.create("/configmaps/default/a", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a", namespace: "default" } });
  const saved = await k3rs(["save", "--data-dir", dir, "--name", "dur-one", "--node-name", "dur-n1"]);
  await store.close();
  expect(saved.code).toBe(0);
  expect(saved.out[0]).toMatch(/^Snapshot dur-one-dur-n1-\d+ saved: .*\/server\/db\/snapshots\/dur-one-dur-n1-\d+ \(1 objects, revision 1, \d+ bytes\)$/);
  const name = /Snapshot (\S+) saved/.exec(saved.out[0]!)![1]!;

  const ls = await k3rs(["ls", "--data-dir", dir]);
  expect(ls.code).toBe(0);
  expect(ls.out).toHaveLength(2);
  expect(ls.out[1]!.startsWith(name)).toBe(true);

  expect(await k3rs(["prune", "--data-dir", dir, "--name", "dur-one", "--snapshot-retention", "1"])).toEqual({ code: 0, out: [], err: [] });
  expect(await k3rs(["delete", "--data-dir", dir, "nope"])).toEqual({ code: 1, out: [], err: ["k3rs snapshot: no such snapshot: nope"] });
  expect(await k3rs(["delete", "--data-dir", dir, name])).toEqual({ code: 0, out: [`Snapshot ${name} deleted.`], err: [] });
  expect((await k3rs(["ls", "--data-dir", dir])).out).toEqual(["Name  Location  Size  Created"]);

  const empty = mkdtempSync(join(tmpdir(), "dur-cli-empty-"));
  dirs.push(empty);
  const none = await k3rs(["save", "--data-dir", empty]);
  expect(none.code).toBe(1);
  expect(none.err[0]).toContain(`no store at ${storePath(empty)}`);
});
