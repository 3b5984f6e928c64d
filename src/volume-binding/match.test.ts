import { describe, expect, test } from "bun:test";
import { findMatchingVolume, isVolumeBoundToClaim, volumeFitsNode } from "./match.ts";
import { node, onNode, pv, pvc } from "../../test/helpers/volume-builders.ts";

const names = (v: { metadata: { name?: string } } | undefined) => v?.metadata.name;

describe("findMatchingVolume", () => {
  test("the smallest volume that is big enough", () => {
    const vols = [pv("big", "10Gi"), pv("small", "500Mi"), pv("fits", "2Gi"), pv("exact", "1Gi")];
    expect(names(findMatchingVolume(pvc("data", "1Gi"), vols))).toBe("exact");
    expect(names(findMatchingVolume(pvc("data", "3Gi"), vols))).toBe("big");
    expect(findMatchingVolume(pvc("data", "20Gi"), vols)).toBeUndefined();
  });

  test.each([
    ["class must be equal", pv("v", "1Gi", { spec: { storageClassName: "fast" } }), pvc("c", "1Gi"), false],
    ["class from the beta annotation", pv("v", "1Gi", { spec: { storageClassName: "fast" } }), pvc("c", "1Gi", { metadata: { annotations: { "volume.beta.kubernetes.io/storage-class": "fast" } } }), true],
    ["access modes: every requested mode offered", pv("v", "1Gi", { spec: { accessModes: ["ReadWriteOnce", "ReadOnlyMany"] } }), pvc("c", "1Gi", { spec: { accessModes: ["ReadOnlyMany"] } }), true],
    ["access modes: a missing mode", pv("v", "1Gi"), pvc("c", "1Gi", { spec: { accessModes: ["ReadWriteMany"] } }), false],
    ["volume mode must be equal", pv("v", "1Gi", { spec: { volumeMode: "Block" } }), pvc("c", "1Gi"), false],
    ["selector matches labels", pv("v", "1Gi", { metadata: { labels: { tier: "db" } } }), pvc("c", "1Gi", { spec: { selector: { matchLabels: { tier: "db" } } } }), true],
    ["selector does not match", pv("v", "1Gi", { metadata: { labels: { tier: "web" } } }), pvc("c", "1Gi", { spec: { selector: { matchLabels: { tier: "db" } } } }), false],
    ["volumes not Available are skipped", pv("v", "1Gi", { status: { phase: "Released" } }), pvc("c", "1Gi"), false],
    ["volumes being deleted are skipped", pv("v", "1Gi", { metadata: { deletionTimestamp: "2025-01-01T00:00:00Z" } }), pvc("c", "1Gi"), false],
    ["bound to another claim", pv("v", "1Gi", { spec: { claimRef: { namespace: "default", name: "other" } } }), pvc("c", "1Gi"), false],
  ])("%s", (_n, volume, claim, want) => {
    expect(names(findMatchingVolume(claim, [volume]))).toBe(want ? "v" : undefined);
  });

  test("a volume pre-bound to the claim wins over a better fit, whatever its phase or class", () => {
    const prebound = pv("mine", "10Gi", { spec: { claimRef: { namespace: "default", name: "data" }, storageClassName: "other" }, status: { phase: "Pending" } });
    expect(names(findMatchingVolume(pvc("data", "1Gi"), [pv("fit", "1Gi"), prebound]))).toBe("mine");
    // A claimRef with another uid is a previous claim of the same name.
    const stale = pv("stale", "1Gi", { spec: { claimRef: { namespace: "default", name: "data", uid: "old" } } });
    expect(findMatchingVolume(pvc("data", "1Gi"), [stale])).toBeUndefined();
  });

  test("delayed binding: without a node only pre-bound volumes; with one, only volumes reachable from it", () => {
    const vols = [pv("a", "1Gi", { spec: { nodeAffinity: onNode("n1") } }), pv("b", "1Gi", { spec: { nodeAffinity: onNode("n2") } })];
    expect(findMatchingVolume(pvc("data", "1Gi"), vols, { delayBinding: true })).toBeUndefined();
    expect(names(findMatchingVolume(pvc("data", "1Gi"), vols, { delayBinding: true, node: node("n2") }))).toBe("b");
    expect(findMatchingVolume(pvc("data", "1Gi"), vols, { delayBinding: true, node: node("n3") })).toBeUndefined();
    // A pre-bound volume on another node is no match at all (the claim cannot be used there).
    const prebound = pv("p", "1Gi", { spec: { nodeAffinity: onNode("n1"), claimRef: { namespace: "default", name: "data" } } });
    expect(findMatchingVolume(pvc("data", "1Gi"), [prebound, pv("any", "1Gi")], { node: node("n2") })).toBeUndefined();
  });

  test("excluded volumes are skipped", () => {
    expect(names(findMatchingVolume(pvc("data", "1Gi"), [pv("a", "1Gi"), pv("b", "2Gi")], { excluded: new Set(["a"]) }))).toBe("b");
  });
});

test("isVolumeBoundToClaim: namespace, name, and uid once set", () => {
  const claim = pvc("data", "1Gi");
  expect(isVolumeBoundToClaim(pv("v", "1Gi", { spec: { claimRef: { namespace: "default", name: "data" } } }), claim)).toBe(true);
  expect(isVolumeBoundToClaim(pv("v", "1Gi", { spec: { claimRef: { namespace: "default", name: "data", uid: "uid-data" } } }), claim)).toBe(true);
  expect(isVolumeBoundToClaim(pv("v", "1Gi", { spec: { claimRef: { namespace: "other", name: "data" } } }), claim)).toBe(false);
  expect(isVolumeBoundToClaim(pv("v", "1Gi"), claim)).toBe(false);
});

test("volumeFitsNode: terms are ORed; no affinity fits everywhere", () => {
  expect(volumeFitsNode(pv("v", "1Gi"), node("n1"))).toBe(true);
  const two = pv("v", "1Gi", { spec: { nodeAffinity: { required: { nodeSelectorTerms: [onNode("n1").required.nodeSelectorTerms[0], { matchExpressions: [{ key: "zone", operator: "In", values: ["a"] }] }] } } } });
  expect(volumeFitsNode(two, node("n1"))).toBe(true);
  expect(volumeFitsNode(two, node("n2", { zone: "a" }))).toBe(true);
  expect(volumeFitsNode(two, node("n2"))).toBe(false);
});
