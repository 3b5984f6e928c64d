import { StatusError } from "../../src/model/errors.ts";

/** The StatusError `fn` throws; anything else thrown (or nothing) fails the test. */
export function statusErrorOf(fn: () => unknown): StatusError {
  try {
    fn();
  } catch (e) {
    if (e instanceof StatusError) return e;
    throw e;
  }
  throw new Error("expected a StatusError");
}
