import { describe, expect, test } from "bun:test";
import { defaultTolerationSeconds } from "./default-toleration-seconds.ts";
import type { AdmissionRequest } from "./types.ts";

const podDef = { group: "", version: "v1", kind: "Pod", plural: "pods" } as AdmissionRequest["def"];
const admit = (tolerations: any[] | undefined, operation: AdmissionRequest["operation"] = "CREATE") => {
  const object: any = { apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: tolerations ? { tolerations } : {} };
  defaultTolerationSeconds({ notReadyTolerationSeconds: 120, unreachableTolerationSeconds: 60 }).admit({ operation, def: podDef, object, dryRun: false });
  return object.spec.tolerations;
};

describe("DefaultTolerationSeconds", () => {
  test("a new pod tolerates not-ready and unreachable for the configured time", () => {
    expect(admit(undefined)).toEqual([
      { key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute", tolerationSeconds: 120 },
      { key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute", tolerationSeconds: 60 },
    ]);
  });
  test("the pod's own toleration for a key wins", () => {
    const own = { key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute", tolerationSeconds: 5 };
    expect(admit([own])).toEqual([own, { key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute", tolerationSeconds: 120 }]);
  });
  test("a catch-all toleration needs nothing added; updates are left alone", () => {
    expect(admit([{ operator: "Exists" }])).toEqual([{ operator: "Exists" }]);
    expect(admit(undefined, "UPDATE")).toBeUndefined();
  });
});
