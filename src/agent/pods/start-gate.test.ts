import { describe, expect, test } from "bun:test";
import { StartGate, startConcurrencyFor } from "./start-gate.ts";

/** A piece of work that ends when told to. */
function pending() {
  let finish!: () => void;
  const done = new Promise<void>((r) => (finish = r));
  return { done, finish };
}

describe("StartGate", () => {
  test("runs at most `limit` at once; the rest start as slots free", async () => {
    const gate = new StartGate(2);
    const started: number[] = [];
    const works = [0, 1, 2, 3].map(() => pending());
    const runs = works.map((w, i) => gate.run("sandbox", async () => {
      started.push(i);
      await w.done;
    }));
    await Bun.sleep(0);
    expect(started).toEqual([0, 1]);
    expect(gate.load).toEqual({ active: 2, waiting: 2 });
    works[0]!.finish();
    await runs[0];
    await Bun.sleep(0);
    expect(started).toEqual([0, 1, 2]);
    for (const w of works) w.finish();
    await Promise.all(runs);
    expect(gate.load).toEqual({ active: 0, waiting: 0 });
  });

  test("waiting containers go before waiting sandboxes", async () => {
    const gate = new StartGate(1);
    const order: string[] = [];
    const first = pending();
    const holding = gate.run("sandbox", () => first.done);
    const s = gate.run("sandbox", async () => void order.push("sandbox"));
    const c = gate.run("container", async () => void order.push("container"));
    first.finish();
    await Promise.all([holding, s, c]);
    expect(order).toEqual(["container", "sandbox"]);
  });

  test("a failed run frees its slot and rejects with its error", async () => {
    const gate = new StartGate(1);
    await expect(gate.run("sandbox", async () => { throw new Error("CNI failed"); })).rejects.toThrow("CNI failed");
    expect(await gate.run("container", async () => 7)).toBe(7);
    expect(gate.load).toEqual({ active: 0, waiting: 0 });
  });

  test("a limit below 1 is refused", () => {
    expect(() => new StartGate(0)).toThrow("at least 1");
  });
});

test("a real node's bound: five per core, never below ten", () => {
  expect(startConcurrencyFor(2)).toBe(10);
  expect(startConcurrencyFor(8)).toBe(40);
  expect(startConcurrencyFor(Number.NaN)).toBe(10);
});
