import { expect, test } from "bun:test";
import { seal, unseal } from "./seal.ts";
import { PkiError } from "./errors.ts";

test("what is sealed with a token opens with it, and only with it", () => {
  const data = new TextEncoder().encode("-----BEGIN PRIVATE KEY-----\nsecret");
  const sealed = seal(data, "token-a");
  expect(Buffer.from(sealed).includes(Buffer.from("PRIVATE KEY"))).toBe(false);
  expect(new TextDecoder().decode(unseal(sealed, "token-a"))).toBe("-----BEGIN PRIVATE KEY-----\nsecret");
  const wrong = (() => {
    try {
      unseal(sealed, "token-b");
    } catch (e) {
      return e;
    }
  })();
  expect(wrong).toBeInstanceOf(PkiError);
  expect((wrong as PkiError).reason).toBe("WrongToken");
  const damaged = new Uint8Array(sealed.subarray(0, 10));
  expect(() => unseal(damaged, "token-a")).toThrow("damaged");
});
