import { expect, test } from "bun:test";
import { newKey, retainedKeys, withActiveKey } from "./encryption-keys.ts";

const key = (name: string) => ({ name, secret: Buffer.alloc(32, name.length) });
const at = new Date("2026-12-06T15:30:07.123Z");

test.each([
  [[], "aesgcmkey-20261206T153007Z"],
  [["aesgcmkey-20261206T153007Z"], "aesgcmkey-20261206T153007Z-2"],
  [["aesgcmkey-20261206T153007Z", "aesgcmkey-20261206T153007Z-2"], "aesgcmkey-20261206T153007Z-3"],
])("a new key is named for its time, never a name taken (%p → %s)", (taken, name) => {
  const k = newKey(at, taken);
  expect(k.name).toBe(name);
  expect(k.name).toMatch(/^[A-Za-z0-9_.-]+$/);
  expect(k.secret).toHaveLength(32);
});

test("two new keys have different secrets", () => {
  expect(newKey(at, []).secret.equals(newKey(at, []).secret)).toBe(false);
});

test("the new key goes first (the write key), every older key stays to decrypt, no name twice", () => {
  expect(withActiveKey([key("a"), key("bb")], key("ccc")).map((k) => k.name)).toEqual(["ccc", "a", "bb"]);
  expect(withActiveKey([key("a"), key("bb")], key("bb")).map((k) => k.name)).toEqual(["bb", "a"]);
});

test.each([
  ["nothing uses the old keys: only the active one stays", new Map([["new", 5]]), ["new"]],
  ["a value still under an old key keeps that key", new Map<string | undefined, number>([["new", 4], ["old2", 1]]), ["new", "old2"]],
  ["the active key stays even when no value uses it", new Map<string | undefined, number>(), ["new"]],
  ["plain-text values keep no key", new Map<string | undefined, number>([[undefined, 3]]), ["new"]],
])("retained keys: %s", (_, inUse, names) => {
  expect(retainedKeys([key("new"), key("old1"), key("old2")], inUse).map((k) => k.name)).toEqual(names);
});
