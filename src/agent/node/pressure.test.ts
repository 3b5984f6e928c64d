import { expect, test } from "bun:test";
import { evictionReserved, parseLoadavgTasks, parseMeminfo, pressureConditions, pressureFrom, readHostReadings } from "./pressure.ts";

const Mi = 1024 * 1024;
const GB = 1e9;
const calm = { memAvailableBytes: 4096 * Mi, nodefs: { availableBytes: 50 * GB, capacityBytes: 100 * GB }, pids: { max: 32768, running: 300 } };

test.each([
  ["plenty of everything", calm, { memory: false, disk: false, pid: false }],
  ["memory just above 100Mi", { ...calm, memAvailableBytes: 100 * Mi }, { memory: false, disk: false, pid: false }],
  ["memory below 100Mi", { ...calm, memAvailableBytes: 100 * Mi - 1 }, { memory: true, disk: false, pid: false }],
  ["disk at exactly 10% free", { ...calm, nodefs: { availableBytes: 10 * GB, capacityBytes: 100 * GB } }, { memory: false, disk: false, pid: false }],
  ["disk below 10% free", { ...calm, nodefs: { availableBytes: 9.9 * GB, capacityBytes: 100 * GB } }, { memory: false, disk: true, pid: false }],
  ["1000 PIDs left", { ...calm, pids: { max: 32768, running: 31768 } }, { memory: false, disk: false, pid: false }],
  ["999 PIDs left", { ...calm, pids: { max: 32768, running: 31769 } }, { memory: false, disk: false, pid: true }],
  ["no readings at all", {}, { memory: false, disk: false, pid: false }],
  ["everything at once", { memAvailableBytes: 1, nodefs: { availableBytes: 0, capacityBytes: 1 }, pids: { max: 100, running: 99 } }, { memory: true, disk: true, pid: true }],
])("pressureFrom: %s", (_w, readings, want) => {
  expect(pressureFrom(readings)).toEqual(want);
});

test("conditions carry the kubelet's reasons and messages", () => {
  expect(pressureConditions({ memory: false, disk: false, pid: false })).toEqual([
    { type: "MemoryPressure", status: "False", reason: "KubeletHasSufficientMemory", message: "kubelet has sufficient memory available" },
    { type: "DiskPressure", status: "False", reason: "KubeletHasNoDiskPressure", message: "kubelet has no disk pressure" },
    { type: "PIDPressure", status: "False", reason: "KubeletHasSufficientPID", message: "kubelet has sufficient PID available" },
  ]);
  expect(pressureConditions({ memory: true, disk: true, pid: true })).toEqual([
    { type: "MemoryPressure", status: "True", reason: "KubeletHasInsufficientMemory", message: "kubelet has insufficient memory available" },
    { type: "DiskPressure", status: "True", reason: "KubeletHasDiskPressure", message: "kubelet has disk pressure" },
    { type: "PIDPressure", status: "True", reason: "KubeletHasInsufficientPID", message: "kubelet has insufficient PID available" },
  ]);
});

test("the eviction thresholds reserve 100Mi of memory and 10% of the node filesystem", () => {
  expect(evictionReserved({ memory: "8Gi", "ephemeral-storage": "100Gi" })).toEqual({ memory: "100Mi", "ephemeral-storage": "10737418240" });
  expect(evictionReserved({ memory: "8039004Ki", "ephemeral-storage": "263174212Ki" })).toEqual({ memory: "100Mi", "ephemeral-storage": String(Math.ceil(263174212 * 1024 * 0.1)) });
  expect(evictionReserved({ memory: "1Gi" })).toEqual({ memory: "100Mi" });
});

test("procfs parsing", () => {
  expect(parseMeminfo("MemTotal:       32863424 kB\nMemFree:         1234 kB\nMemAvailable:   24093412 kB\n")).toBe(24093412 * 1024);
  expect(parseMeminfo("MemTotal: 1 kB\n")).toBeUndefined();
  expect(parseLoadavgTasks("2.56 1.62 1.02 1/273 26244\n")).toBe(273);
  expect(parseLoadavgTasks("garbage")).toBeUndefined();
});

test.skipIf(process.platform !== "linux")("this host can be read", () => {
  const r = readHostReadings(import.meta.dir);
  expect(r.memAvailableBytes).toBeGreaterThan(0);
  expect(r.nodefs!.capacityBytes).toBeGreaterThan(r.nodefs!.availableBytes);
  expect(r.pids!.max).toBeGreaterThan(r.pids!.running);
});

test("custom thresholds (eviction-hard): percentages of capacity, and signals left out press nothing", () => {
  const Gi = 2 ** 30;
  const t = { memoryAvailable: { fraction: 0.25 } };
  // 1.5Gi of 8Gi available is under 25 %; no disk or pid threshold was given.
  expect(pressureFrom({ memAvailableBytes: 1.5 * Gi, nodefs: { availableBytes: 0, capacityBytes: 100 }, pids: { max: 10, running: 10 } }, t, 8 * Gi)).toEqual({ memory: true, disk: false, pid: false });
  expect(pressureFrom({ memAvailableBytes: 3 * Gi }, t, 8 * Gi).memory).toBe(false);
  expect(evictionReserved({ memory: "8Gi", "ephemeral-storage": "100Gi" }, { memoryAvailable: { bytes: 500 * 2 ** 20 }, nodefsAvailable: { bytes: 2 * Gi } })).toEqual({ memory: "500Mi", "ephemeral-storage": String(2 * Gi) });
  expect(evictionReserved({ memory: "8Gi", "ephemeral-storage": "100Gi" }, t)).toEqual({ memory: "2Gi" });
});
