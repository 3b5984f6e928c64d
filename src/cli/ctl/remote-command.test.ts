import { expect, test } from "bun:test";
import { exitCodeStatus, internalErrorStatus, successStatus } from "../../streaming/remote-command.ts";
import { ExitError } from "./context.ts";
import { exitFrom } from "./remote-command.ts";

test("the error channel's Status becomes kubectl's exit", () => {
  expect(exitFrom(undefined)).toBe(0);
  expect(exitFrom(successStatus())).toBe(0);
  const e = (() => {
    try {
      exitFrom(exitCodeStatus(3));
    } catch (err) {
      return err;
    }
  })();
  expect(e).toBeInstanceOf(ExitError);
  expect((e as ExitError).code).toBe(3);
  expect((e as ExitError).message).toBe("command terminated with exit code 3");
  expect(() => exitFrom(internalErrorStatus("boom"))).toThrow("Internal error occurred: boom");
  expect(() => exitFrom(Buffer.from("{"))).toThrow("error stream protocol error");
});
