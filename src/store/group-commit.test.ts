import { expect, test } from "bun:test";
import { GroupCommit } from "./group-commit.ts";
import type { WriteOp } from "./write-ops.ts";

const op = (key: string, log: string[]): WriteOp => ({
  kind: "delete",
  key,
  settle: { resolve: () => log.push(`ok ${key}`), reject: (e) => log.push(`fail ${key}: ${(e as Error).message}`) },
});

test("one commit at a time: writes of a turn go together, later ones wait for the sync and the apply of the one before", async () => {
  const log: string[] = [];
  const gates: (() => void)[] = [];
  const gc = new GroupCommit<string[]>(
    {
      commit: (batch) => (log.push(`commit ${batch.map((o) => o.key).join(",")}`), batch.map((o) => o.key)),
      apply: (keys) => log.push(`apply ${keys.join(",")}`),
    },
    { maxBatch: 10, placement: "off-thread", path: "test.db", walSync: { sync: () => new Promise<void>((r) => gates.push(r)), syncNow: () => {}, close: () => {} } },
  );
  gc.add(op("a", log));
  gc.add(op("b", log));
  while (gates.length === 0) await Bun.sleep(1);
  gc.add(op("c", log));
  await Bun.sleep(10);
  expect(log).toEqual(["commit a,b"]);
  gates.shift()!();
  while (gates.length === 0) await Bun.sleep(1);
  expect(log).toEqual(["commit a,b", "apply a,b", "commit c"]);
  gates.shift()!();
  await Bun.sleep(5);
  expect(log.at(-1)).toBe("apply c");
  await gc.drain();
});

test("a failed sync rejects its batch, what is queued and every later write", async () => {
  const log: string[] = [];
  let syncs = 0;
  const told: Error[] = [];
  const gc = new GroupCommit<string[]>(
    { commit: (batch) => batch.map((o) => o.key), apply: (keys) => log.push(`apply ${keys.join(",")}`) },
    { maxBatch: 10, path: "test.db", onSyncFailed: (e) => told.push(e), walSync: { sync: async () => {}, syncNow: () => { if (++syncs > 1) throw new Error("EIO"); }, close: () => {} } },
  );
  gc.add(op("a", log));
  await Bun.sleep(5);
  gc.add(op("b", log));
  await Bun.sleep(5);
  gc.add(op("c", log));
  expect(log).toEqual([
    "apply a",
    "fail b: syncing the store's WAL at test.db: writes are refused until the server restarts",
    "fail c: syncing the store's WAL at test.db: writes are refused until the server restarts",
  ]);
  // Told once, with the cause, for the log.
  expect(told.map((e) => (e.cause as Error).message)).toEqual(["EIO"]);
});
