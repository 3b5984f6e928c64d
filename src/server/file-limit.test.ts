import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { raiseFileLimit } from "./file-limit.ts";

function procLimits(pid: number | "self"): { soft: number; hard: number } {
  const line = readFileSync(`/proc/${pid}/limits`, "utf8").split("\n").find((l) => l.startsWith("Max open files"))!;
  const [soft, hard] = line.replace("Max open files", "").trim().split(/\s+/);
  return { soft: Number(soft), hard: Number(hard) };
}

describe("file limit", () => {
  test("the soft limit is raised to the hard one, and what is reported is what the kernel holds", () => {
    const got = raiseFileLimit();
    expect(got).toBeDefined();
    expect(got!.soft).toBe(got!.hard);
    expect(procLimits("self")).toEqual(got!);
  });
});
