import { expect, test } from "bun:test";
import type { KubeObject } from "../../model/object.ts";
import { podHoldsClaim } from "./controller.ts";

const pod = (phase: string, claim = "data"): KubeObject => ({
  apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "default" },
  spec: { volumes: [{ name: "v", persistentVolumeClaim: { claimName: claim } }] }, status: { phase },
});

test.each([
  ["Pending", "data", true],
  ["Running", "data", true],
  ["Unknown", "data", true],
  ["Succeeded", "data", false],
  ["Failed", "data", false],
  ["Running", "other", false],
])("a %s pod using %s holds claim data: %p", (phase, claim, want) => {
  expect(podHoldsClaim(pod(phase, claim), "data")).toBe(want);
});
