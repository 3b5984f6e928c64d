import { describe, expect, test } from "bun:test";
import type { KubeObject } from "../../model/object.ts";
import { onNode, pv, pvc } from "../../../test/helpers/volume-builders.ts";
import { volumeBinding } from "./volume-binding.ts";
import { cycleFor, makeNode, makePod, nodeInfos, runFilter } from "../../../test/helpers/scheduler-builders.ts";
import type { StorageLister } from "../types.ts";

const sc = (name: string, mode: string, provisioner = "rancher.io/local-path", extra: object = {}): KubeObject => ({
  apiVersion: "storage.k8s.io/v1", kind: "StorageClass", metadata: { name }, provisioner, volumeBindingMode: mode, ...extra,
});
const CLASSES = [
  sc("local-path", "WaitForFirstConsumer"),
  sc("fast", "Immediate", "example.com/fast"),
  sc("static", "WaitForFirstConsumer", "kubernetes.io/no-provisioner"),
  sc("zoned", "WaitForFirstConsumer", "example.com/zoned", { allowedTopologies: [{ matchLabelExpressions: [{ key: "topology.kubernetes.io/zone", values: ["a"] }] }] }),
];

function storage(claims: KubeObject[], volumes: KubeObject[] = []): StorageLister {
  return {
    claim: (ns, name) => claims.find((c) => c.metadata.namespace === ns && c.metadata.name === name),
    volume: (name) => volumes.find((v) => v.metadata.name === name),
    volumes: () => volumes,
    storageClass: (name) => CLASSES.find((c) => c.metadata.name === name),
  };
}

const usingClaims = (...names: string[]) => makePod().set((s) => (s.volumes = names.map((n) => ({ name: n, persistentVolumeClaim: { claimName: n } }))));
const nodes = () => nodeInfos([makeNode("n1").zone("a"), makeNode("n2").zone("b")]);
const run = (pod: ReturnType<typeof makePod>, claims: KubeObject[], volumes: KubeObject[] = []) => runFilter(volumeBinding, cycleFor(pod, nodes(), { storage: storage(claims, volumes) }));

const NOT_FOUND = 'persistentvolumeclaim "data" not found';
const UNBOUND = "pod has unbound immediate PersistentVolumeClaims";
const NODE_CONFLICT = "node(s) had volume node affinity conflict";
const BIND_CONFLICT = "node(s) didn't find available persistent volumes to bind";

describe("VolumeBinding PreFilter", () => {
  test("pods without claims are not checked", () => {
    expect(volumeBinding.preFilter!(cycleFor(makePod(), nodes(), { storage: storage([]) }))).toBe("skip");
  });
  test.each([
    ["a missing claim", [], NOT_FOUND],
    ["a claim being deleted", [pvc("data", "1Gi", { metadata: { deletionTimestamp: "2025-01-01T00:00:00Z" } })], 'persistentvolumeclaim "data" is being deleted'],
    ["an unbound claim of an Immediate class", [pvc("data", "1Gi", { spec: { storageClassName: "fast" } })], UNBOUND],
    ["an unbound claim without a class", [pvc("data", "1Gi")], UNBOUND],
  ])("%s rejects every node", (_n, claims, reason) => {
    expect(run(usingClaims("data"), claims)).toEqual([reason, reason]);
  });
});

describe("VolumeBinding Filter", () => {
  test("a bound claim's volume with node affinity: only its node", () => {
    const claim = pvc("data", "1Gi", { spec: { volumeName: "v", storageClassName: "local-path" } });
    expect(run(usingClaims("data"), [claim], [pv("v", "1Gi", { spec: { nodeAffinity: onNode("n1") } })])).toEqual([undefined, NODE_CONFLICT]);
    expect(run(usingClaims("data"), [claim], [pv("v", "1Gi")])).toEqual([undefined, undefined]);
  });

  test("a bound claim whose volume is gone", () => {
    const claim = pvc("data", "1Gi", { spec: { volumeName: "gone" } });
    expect(run(usingClaims("data"), [claim])).toEqual(["node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)", "node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)"]);
  });

  test("WaitForFirstConsumer with a provisioner fits everywhere", () => {
    expect(run(usingClaims("data"), [pvc("data", "1Gi", { spec: { storageClassName: "local-path" } })])).toEqual([undefined, undefined]);
  });

  test("WaitForFirstConsumer without a provisioner: only where a static volume is", () => {
    const claim = pvc("data", "1Gi", { spec: { storageClassName: "static" } });
    const local = pv("local-n2", "5Gi", { spec: { storageClassName: "static", nodeAffinity: onNode("n2") } });
    expect(run(usingClaims("data"), [claim], [local])).toEqual([BIND_CONFLICT, undefined]);
    expect(run(usingClaims("data"), [claim])).toEqual([BIND_CONFLICT, BIND_CONFLICT]);
  });

  test("two claims of one pod do not both count one static volume", () => {
    const a = pvc("a", "1Gi", { spec: { storageClassName: "static" } });
    const b = pvc("b", "1Gi", { spec: { storageClassName: "static" } });
    const one = pv("only", "1Gi", { spec: { storageClassName: "static" } });
    expect(run(usingClaims("a", "b"), [a, b], [one])).toEqual([BIND_CONFLICT, BIND_CONFLICT]);
    expect(run(usingClaims("a", "b"), [a, b], [one, pv("second", "1Gi", { spec: { storageClassName: "static" } })])).toEqual([undefined, undefined]);
  });

  test("a claim already provisioned on one node (not bound yet) keeps the pod there", () => {
    const claim = pvc("data", "1Gi", { spec: { storageClassName: "local-path" } });
    const provisioned = pv("pvc-uid-data", "1Gi", { spec: { storageClassName: "local-path", nodeAffinity: onNode("n2"), claimRef: { namespace: "default", name: "data", uid: "uid-data" } }, status: { phase: "Pending" } });
    expect(run(usingClaims("data"), [claim], [provisioned])).toEqual([NODE_CONFLICT, undefined]);
  });

  test("allowedTopologies limit where a class provisions", () => {
    expect(run(usingClaims("data"), [pvc("data", "1Gi", { spec: { storageClassName: "zoned" } })])).toEqual([undefined, BIND_CONFLICT]);
  });

  test("the FailedScheduling reasons are unresolvable (preemption cannot help)", () => {
    const claim = pvc("data", "1Gi", { spec: { volumeName: "v" } });
    const cycle = cycleFor(usingClaims("data"), nodes(), { storage: storage([claim], [pv("v", "1Gi", { spec: { nodeAffinity: onNode("n1") } })]) });
    volumeBinding.preFilter!(cycle);
    expect(volumeBinding.filter!(cycle, cycle.snapshot.nodes[1]!)).toEqual({ reasons: [NODE_CONFLICT], unresolvable: true });
  });
});
