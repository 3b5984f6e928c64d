import { describe, expect, test } from "bun:test";
import { busyCoreSeconds, cgroupV1WorkingSet, meminfoWorkingSet, readNodeUsage } from "./node-usage.ts";

const PROC_STAT = `cpu  121576 7 24693 523092 3088 11 1614 112 40 0
cpu0 56634 0 11339 268085 382 0 720 55 0 0
cpu1 64942 7 13353 255007 2706 11 893 57 40 0
intr 1 2 3
`;

const MEMINFO = `MemTotal:       24683584 kB
MemFree:        23574936 kB
MemAvailable:   24227904 kB
Inactive(file):   355424 kB
`;

const MEMORY_STAT = `cache 100
rss 3080192
inactive_file 16384
total_rss 10768384
total_inactive_file 514408448
`;

describe("busyCoreSeconds", () => {
  test("user + nice + system + irq + softirq, in USER_HZ ticks", () => {
    expect(busyCoreSeconds(PROC_STAT)).toBeCloseTo((121576 + 7 + 24693 + 11 + 1614) / 100, 9);
  });
  test.each([[""], ["cpu0 1 2 3 4 5 6 7\n"], ["cpu  1 2 x 4 5 6 7\n"], ["cpu  1 2 3\n"]])("%p says nothing", (text) => {
    expect(busyCoreSeconds(text)).toBeUndefined();
  });
});

describe("memory working set", () => {
  test("cgroup v1 root: usage less total_inactive_file (not the root's own inactive_file)", () => {
    expect(cgroupV1WorkingSet("1150885888\n", MEMORY_STAT)).toBe(1150885888 - 514408448);
    expect(cgroupV1WorkingSet("100\n", "total_inactive_file 200\n")).toBe(0);
    expect(cgroupV1WorkingSet("100\n", "rss 1\n")).toBeUndefined();
  });
  test("meminfo: MemTotal − MemFree − Inactive(file)", () => {
    expect(meminfoWorkingSet(MEMINFO)).toBe((24683584 - 23574936 - 355424) * 1024);
    expect(meminfoWorkingSet("MemTotal: 1 kB\n")).toBeUndefined();
  });
});

describe("readNodeUsage", () => {
  const files = (m: Record<string, string>) => (p: string) => m[p];
  test("prefers the v1 memory cgroup, falls back to meminfo", () => {
    const withCgroup = readNodeUsage({
      now: () => 7,
      read: files({ "/proc/stat": PROC_STAT, "/proc/meminfo": MEMINFO, "/cg/memory.usage_in_bytes": "1000000\n", "/cg/memory.stat": "total_inactive_file 1000\n" }),
      memoryCgroup: "/cg",
    });
    expect(withCgroup).toEqual({ cpuCoreSeconds: 1479.01, memoryWorkingSetBytes: 999000, timestampMs: 7 });
    const v2 = readNodeUsage({ now: () => 8, read: files({ "/proc/stat": PROC_STAT, "/proc/meminfo": MEMINFO }), memoryCgroup: "/cg" });
    expect(v2?.memoryWorkingSetBytes).toBe((24683584 - 23574936 - 355424) * 1024);
  });
  test("nothing readable: no reading", () => {
    expect(readNodeUsage({ read: () => undefined })).toBeUndefined();
  });
  test("this host", () => {
    const r = readNodeUsage();
    if (process.platform !== "linux") return;
    expect(r!.cpuCoreSeconds).toBeGreaterThan(0);
    expect(r!.memoryWorkingSetBytes).toBeGreaterThan(0);
  });
});
