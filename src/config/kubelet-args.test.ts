import { expect, test } from "bun:test";
import { kubeletSettings } from "./kubelet-args.ts";

test("log rotation settings, with or without dashes", () => {
  expect(kubeletSettings(["container-log-max-size=50Mi", "--container-log-max-files=3"])).toEqual({ containerLogMaxBytes: 50 * 2 ** 20, containerLogMaxFiles: 3 });
  expect(kubeletSettings([])).toEqual({});
});

test.each([
  ["container-log-max-size=lots", 'invalid --kubelet-arg container-log-max-size: "lots" is not a quantity (e.g. 10Mi)'],
  ["container-log-max-files=1", 'invalid --kubelet-arg container-log-max-files: want an integer of 2 or more, got "1"'],
  ["max-pods=200", "unsupported --kubelet-arg max-pods (supported: container-log-max-size, container-log-max-files, eviction-hard)"],
  ["eviction-hard=memory.available>1Gi", 'invalid --kubelet-arg eviction-hard=memory.available>1Gi: "memory.available>1Gi" is not signal<quantity (e.g. memory.available<500Mi)'],
  ["eviction-hard=imagefs.available<15%", "invalid --kubelet-arg eviction-hard=imagefs.available<15%: imagefs.available is not supported: k3rs keeps images on the node filesystem and reads no inodes; use nodefs.available"],
  ["eviction-hard=memory.free<1Gi", "invalid --kubelet-arg eviction-hard=memory.free<1Gi: unknown signal memory.free (supported: memory.available, nodefs.available, pid.available)"],
  ["eviction-hard=memory.available<lots", 'invalid --kubelet-arg eviction-hard=memory.available<lots: memory.available wants a quantity (500Mi) or a percentage (10%), got "lots"'],
  ["eviction-hard=nodefs.available<150%", 'invalid --kubelet-arg eviction-hard=nodefs.available<150%: nodefs.available wants a quantity (500Mi) or a percentage (10%), got "150%"'],
  ["eviction-hard=pid.available<few", 'invalid --kubelet-arg eviction-hard=pid.available<few: pid.available wants a number of processes, got "few"'],
  ["nonsense", 'invalid --kubelet-arg "nonsense" (want key=value)'],
])("%p is refused", (arg, message) => {
  expect(() => kubeletSettings([arg])).toThrow(message);
});

test("eviction-hard: amounts and percentages; the signals given replace the defaults", () => {
  expect(kubeletSettings(["eviction-hard=memory.available<500Mi,nodefs.available<5%, pid.available<2000"])).toEqual({
    evictionHard: { memoryAvailable: { bytes: 500 * 2 ** 20 }, nodefsAvailable: { fraction: 0.05 }, pidAvailable: 2000 },
  });
  expect(kubeletSettings(["eviction-hard=memory.available<10%"])).toEqual({ evictionHard: { memoryAvailable: { fraction: 0.1 } } });
});
