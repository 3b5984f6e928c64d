import { describe, expect, test } from "bun:test";
import { EventEmitter } from "node:events";
import { drained } from "./drained.ts";

describe("drained", () => {
  test("leaves no listener behind, whichever event ends the wait", async () => {
    const w = new EventEmitter();
    for (let i = 0; i < 100; i++) {
      const p = drained(w);
      w.emit("drain");
      await p;
    }
    const last = drained(w);
    w.emit("close");
    await last;
    expect(w.listenerCount("drain")).toBe(0);
    expect(w.listenerCount("close")).toBe(0);
  });

  test("a destroyed stream does not wait", async () => {
    const w = Object.assign(new EventEmitter(), { destroyed: true });
    await drained(w);
    expect(w.listenerCount("drain")).toBe(0);
  });
});
