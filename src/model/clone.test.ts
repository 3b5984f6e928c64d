import { expect, test } from "bun:test";
import { cloneObject } from "./clone.ts";

test("cloneObject copies JSON-shaped data deeply: equal, and no part shared", () => {
  const o = { a: 1, b: "s", c: null, d: [1, { e: true }, [2]], f: { g: { h: "i" } }, u: undefined };
  const c = cloneObject(o);
  expect(c).toEqual(o);
  expect("u" in c).toBe(true);
  expect(c).not.toBe(o);
  expect(c.d).not.toBe(o.d);
  expect(c.d[1]).not.toBe(o.d[1]);
  expect(c.f.g).not.toBe(o.f.g);
  (c.f.g as { h: string }).h = "changed";
  expect(o.f.g.h).toBe("i");
  expect(cloneObject(undefined)).toBeUndefined();
  expect(cloneObject("x")).toBe("x");
});
