import { describe, expect, test } from "bun:test";
import { matchesRequiredNodeAffinity, matchesTerm } from "./node-selector.ts";
import type { KubeObject } from "./object.ts";

const node = (labels: Record<string, string>, name = "n1"): KubeObject => ({ apiVersion: "v1", kind: "Node", metadata: { name, labels } });
const pod = (spec: any): KubeObject => ({ apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec });
const term = (...matchExpressions: any[]) => ({ matchExpressions });

describe("matchesTerm", () => {
  test.each([
    ["In", term({ key: "zone", operator: "In", values: ["a", "b"] }), true],
    ["NotIn (absent key matches)", term({ key: "gpu", operator: "NotIn", values: ["x"] }), true],
    ["Exists", term({ key: "zone", operator: "Exists" }), true],
    ["DoesNotExist", term({ key: "zone", operator: "DoesNotExist" }), false],
    ["Gt on integers", term({ key: "cores", operator: "Gt", values: ["3"] }), true],
    ["Lt with a non-integer bound", term({ key: "cores", operator: "Lt", values: ["x"] }), false],
    ["expressions are ANDed", term({ key: "zone", operator: "In", values: ["a"] }, { key: "cores", operator: "Lt", values: ["4"] }), false],
    ["an empty term matches nothing", {}, false],
    ["matchFields on metadata.name", { matchFields: [{ key: "metadata.name", operator: "In", values: ["n1"] }] }, true],
    ["garbage expressions match nothing", { matchExpressions: "garbage" }, false],
    ["a garbage expression inside the list", term(null, 3), false],
    ["values that are no list", term({ key: "zone", operator: "In", values: "a" }), false],
  ])("%s", (_n, t, want) => {
    expect(matchesTerm(node({ zone: "a", cores: "4" }), t)).toBe(want);
  });
});

describe("matchesRequiredNodeAffinity", () => {
  test("nodeSelector and required terms (ORed) both apply", () => {
    const n = node({ zone: "a", disk: "ssd" });
    expect(matchesRequiredNodeAffinity(pod({ nodeSelector: { disk: "ssd" } }), n)).toBe(true);
    expect(matchesRequiredNodeAffinity(pod({ nodeSelector: { disk: "hdd" } }), n)).toBe(false);
    const affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [term({ key: "zone", operator: "In", values: ["b"] }), term({ key: "zone", operator: "In", values: ["a"] })] } } };
    expect(matchesRequiredNodeAffinity(pod({ affinity }), n)).toBe(true);
  });

  test("a nodeSelector that is no map matches no node, and does not throw", () => {
    expect(matchesRequiredNodeAffinity(pod({ nodeSelector: "garbage" }), node({ zone: "a" }))).toBe(false);
    expect(matchesRequiredNodeAffinity(pod({ nodeSelector: ["a"] }), node({ zone: "a" }))).toBe(false);
    expect(matchesRequiredNodeAffinity(pod({}), { apiVersion: "v1", kind: "Node", metadata: { name: "n", labels: "x" as any } })).toBe(true);
  });
});
