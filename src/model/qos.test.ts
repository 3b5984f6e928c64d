import { describe, expect, test } from "bun:test";
import { podQosClass } from "./qos.ts";

const c = (requests?: Record<string, unknown>, limits?: Record<string, unknown>) => ({ name: "c", image: "x", resources: { requests, limits } });

describe("podQosClass", () => {
  test.each([
    ["no resources", { containers: [{ name: "c" }] }, "BestEffort"],
    ["only ephemeral-storage (not a QoS resource)", { containers: [c({ "ephemeral-storage": "1Gi" })] }, "BestEffort"],
    ["zero amounts count as unset", { containers: [c({ cpu: "0", memory: "0" })] }, "BestEffort"],
    ["equal requests and limits", { containers: [c({ cpu: "1", memory: "1Gi" }, { cpu: "1", memory: "1Gi" })] }, "Guaranteed"],
    // Regression: compared as strings this was Burstable.
    ["equal as quantities, written differently", { containers: [c({ cpu: "1", memory: "1024Mi" }, { cpu: "1000m", memory: "1Gi" })] }, "Guaranteed"],
    ["a number and a string", { containers: [c({ cpu: 1, memory: "1Gi" }, { cpu: "1", memory: "1Gi" })] }, "Guaranteed"],
    ["requests below limits", { containers: [c({ cpu: "500m", memory: "1Gi" }, { cpu: "1", memory: "1Gi" })] }, "Burstable"],
    ["memory limit missing", { containers: [c({ cpu: "1" }, { cpu: "1" })] }, "Burstable"],
    ["one container without limits", { containers: [c({ cpu: "1", memory: "1Gi" }, { cpu: "1", memory: "1Gi" }), { name: "b" }] }, "Burstable"],
    ["an init container without limits", { containers: [c({ cpu: "1", memory: "1Gi" }, { cpu: "1", memory: "1Gi" })], initContainers: [c({ cpu: "1" })] }, "Burstable"],
    ["garbage shapes do not throw", { containers: "garbage", initContainers: [null, 3, { resources: "x" }, c({ cpu: "lots" })] }, "BestEffort"],
    ["no spec at all", undefined, "BestEffort"],
  ])("%s", (_name, spec, want) => {
    expect(podQosClass(spec) as string).toBe(want as string);
  });
});
