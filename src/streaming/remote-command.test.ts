import { describe, expect, test } from "bun:test";
import { StatusError } from "../model/errors.ts";
import { exitCodeOf, exitCodeStatus, internalErrorStatus, streamOptionsFrom, successStatus } from "./remote-command.ts";

describe("remote command", () => {
  test.each([
    ["stdin=1&stdout=1&stderr=1", { stdin: true, stdout: true, stderr: true, tty: false }],
    ["stdin=true&stdout=true&stderr=true&tty=true", { stdin: true, stdout: true, stderr: false, tty: true }],
    ["stdout=1", { stdin: false, stdout: true, stderr: false, tty: false }],
  ])("options from %s (stderr dropped with a tty)", (query, want) => {
    expect(streamOptionsFrom(new URLSearchParams(query))).toEqual(want);
  });

  test("no stream at all is the kubelet's 400", () => {
    const e = streamOptionsFrom(new URLSearchParams("tty=1&stdin=0"));
    expect(e).toBeInstanceOf(StatusError);
    expect((e as StatusError).code).toBe(400);
    expect((e as StatusError).message).toBe("you must specify at least 1 of stdin, stdout, stderr");
  });

  test("statuses as metav1.Status JSON, and the exit code kubectl reads from them", () => {
    expect(JSON.parse(successStatus().toString())).toEqual({ metadata: {}, status: "Success" });
    const exit = JSON.parse(exitCodeStatus(3).toString());
    expect(exit).toEqual({
      metadata: {}, status: "Failure", message: "command terminated with non-zero exit code: command terminated with exit code 3", reason: "NonZeroExitCode",
      details: { causes: [{ reason: "ExitCode", message: "3" }] },
    });
    expect(exitCodeOf(exitCodeStatus(3))).toBe(3);
    expect(exitCodeOf(successStatus())).toBe(0);
    const internal = JSON.parse(internalErrorStatus("boom").toString());
    expect(internal).toMatchObject({ status: "Failure", reason: "InternalError", message: "Internal error occurred: boom", code: 500 });
    expect(exitCodeOf(internalErrorStatus("boom"))).toBeUndefined();
    expect(exitCodeOf(Buffer.from("not json"))).toBeUndefined();
  });
});
