import { expect, test } from "bun:test";
import { KeyedSerial } from "./keyed-serial.ts";

test("one key's work runs one at a time, in order, past a failure; other keys run beside it; nothing is kept after", async () => {
  const serial = new KeyedSerial();
  const log: string[] = [];
  const step = (name: string, ms: number, fail = false) => async () => {
    log.push(`${name} start`);
    await Bun.sleep(ms);
    log.push(`${name} end`);
    if (fail) throw new Error(name);
    return name;
  };
  const a1 = serial.run("a", step("a1", 30, true));
  const a2 = serial.run("a", step("a2", 5));
  const b1 = serial.run("b", step("b1", 5));
  expect(serial.size).toBe(2);
  await expect(a1).rejects.toThrow("a1");
  expect(await a2).toBe("a2");
  expect(await b1).toBe("b1");
  expect(log).toEqual(["a1 start", "b1 start", "b1 end", "a1 end", "a2 start", "a2 end"]);
  await Bun.sleep(0);
  expect(serial.size).toBe(0);
});
