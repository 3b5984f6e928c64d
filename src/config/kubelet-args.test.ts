import { expect, test } from "bun:test";
import { kubeletSettings } from "./kubelet-args.ts";

test("log rotation settings, with or without dashes", () => {
  expect(kubeletSettings(["container-log-max-size=50Mi", "--container-log-max-files=3"])).toEqual({ containerLogMaxBytes: 50 * 2 ** 20, containerLogMaxFiles: 3 });
  expect(kubeletSettings([])).toEqual({});
});

test.each([
  ["container-log-max-size=lots", 'invalid --kubelet-arg container-log-max-size: "lots" is not a quantity (e.g. 10Mi)'],
  ["container-log-max-files=1", 'invalid --kubelet-arg container-log-max-files: want an integer of 2 or more, got "1"'],
  ["max-pods=200", "unsupported --kubelet-arg max-pods (supported: container-log-max-size, container-log-max-files)"],
  ["nonsense", 'invalid --kubelet-arg "nonsense" (want key=value)'],
])("%p is refused", (arg, message) => {
  expect(() => kubeletSettings([arg])).toThrow(message);
});
