import { expect, test } from "bun:test";
import { maskSecretData } from "./secret-mask.ts";

test("same values are ***, changed ones before/after, added and removed ones ***", () => {
  const live = { kind: "Secret", data: { same: "YQ==", changed: "Yg==", gone: "Yw==" } };
  const merged = { kind: "Secret", data: { same: "YQ==", changed: "ZA==", added: "ZQ==" } };
  expect(maskSecretData(live, merged)).toEqual({
    live: { kind: "Secret", data: { same: "***", changed: "*** (before)", gone: "***" } },
    merged: { kind: "Secret", data: { same: "***", changed: "*** (after)", added: "***" } },
  });
  // The objects given are not changed: the caller may still need them.
  expect(live.data.changed).toBe("Yg==");
});

test("a Secret not there yet, and one without data", () => {
  expect(maskSecretData(undefined, { data: { a: "YQ==" } })).toEqual({ live: undefined, merged: { data: { a: "***" } } });
  expect(maskSecretData({ type: "Opaque" }, { type: "Opaque" })).toEqual({ live: { type: "Opaque" }, merged: { type: "Opaque" } });
});
