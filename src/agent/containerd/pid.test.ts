import { expect, test } from "bun:test";
import { commandLine, isRunning, signalProcess, waitForExit } from "./pid.ts";

test("a running process, then a gone one", async () => {
  const child = Bun.spawn({ cmd: ["sleep", "600"], stdio: ["ignore", "ignore", "ignore"] });
  expect(isRunning(child.pid)).toBe(true);
  // Between fork and exec the new process's cmdline is still empty: wait for the exec.
  for (let i = 0; i < 500 && !commandLine(child.pid)?.length; i++) await Bun.sleep(10);
  expect(commandLine(child.pid)).toEqual(["sleep", "600"]);
  expect(await waitForExit(child.pid, 0)).toBe(false);
  expect(signalProcess(child.pid, "SIGTERM")).toBe(true);
  expect(await waitForExit(child.pid, 60_000)).toBe(true);
  await child.exited;
  expect(isRunning(child.pid)).toBe(false);
  expect(commandLine(child.pid)).toBeUndefined();
  expect(signalProcess(child.pid, "SIGTERM")).toBe(false);
});

test.each([0, -1, -process.pid, 1.5, Number.NaN])("PID %p is never signalled (process groups)", (pid) => {
  expect(isRunning(pid)).toBe(false);
  expect(() => signalProcess(pid, "SIGTERM")).toThrow(/refusing/);
});
