import { describe, expect, test } from "bun:test";
import { defaultPod } from "./core.ts";

describe("defaultPod", () => {
  test("requests default to limits where unset, per container and init container", () => {
    const pod: any = {
      apiVersion: "v1", kind: "Pod", metadata: { name: "p" },
      spec: {
        containers: [{ name: "a", image: "x:1", resources: { limits: { cpu: "1", memory: "1Gi" }, requests: { cpu: "500m" } } }],
        initContainers: [{ name: "i", image: "x:1", resources: { limits: { cpu: "2" } } }],
      },
    };
    defaultPod(pod);
    expect(pod.spec.containers[0].resources.requests).toEqual({ cpu: "500m", memory: "1Gi" });
    expect(pod.spec.initContainers[0].resources.requests).toEqual({ cpu: "2" });
    expect(pod.status.qosClass).toBe("Burstable");
  });

  test("a container without limits gets no requests", () => {
    const pod: any = { apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: { containers: [{ name: "a", image: "x:1" }] } };
    defaultPod(pod);
    expect(pod.spec.containers[0].resources).toEqual({});
    expect(pod.status.qosClass).toBe("BestEffort");
  });
});
