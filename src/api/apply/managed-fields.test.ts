import { expect, test } from "bun:test";
import type { KubeObject } from "../../model/object.ts";
import { patchSchemaFor } from "../openapi/index.ts";
import { trackUpdate, type UpdateContext } from "./managed-fields.ts";

const schema = patchSchemaFor("", "v1", "Pod");
const ctx = (manager: string, subresource?: string): UpdateContext => ({ manager, apiVersion: "v1", subresource, now: "2026-12-06T10:00:00Z", schema, statusApart: true });
const withFields = (obj: KubeObject, managedFields: unknown[]): KubeObject => ({ ...obj, metadata: { ...obj.metadata, managedFields } });

const created: KubeObject = {
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "p", namespace: "default", labels: { app: "web" } },
  spec: { containers: [{ name: "c", image: "busybox", env: [{ name: "A", value: "1" }] }] },
};

test("binding a pod: the scheduler owns spec.nodeName; the creator's entry is written back as stored, not re-encoded", () => {
  const stored = withFields(created, trackUpdate(undefined, created, ctx("kubectl")) as unknown[]);
  const bound = structuredClone(stored);
  bound.spec.nodeName = "n1";
  const out = trackUpdate(stored, bound, ctx("k3rs-scheduler"));
  expect(out.map((e) => e.manager)).toEqual(["kubectl", "k3rs-scheduler"]);
  // Untouched: the very object the stored entry holds.
  expect(out[0]!.fieldsV1).toBe((stored.metadata.managedFields as any[])[0].fieldsV1);
  expect(out[1]!.fieldsV1).toEqual({ "f:spec": { "f:nodeName": {} } });
});

test("a field another manager owned changes hands, and that manager's entry is re-encoded without it", () => {
  const stored = withFields(created, trackUpdate(undefined, created, ctx("kubectl")) as unknown[]);
  const next = structuredClone(stored);
  next.spec.containers[0].image = "busybox:2";
  const out = trackUpdate(stored, next, ctx("helm"));
  const kubectl = out.find((e) => e.manager === "kubectl")!;
  expect(kubectl.fieldsV1).not.toBe((stored.metadata.managedFields as any[])[0].fieldsV1);
  expect(JSON.stringify(kubectl.fieldsV1)).not.toContain("f:image");
  expect(out.find((e) => e.manager === "helm")!.fieldsV1).toEqual({ "f:spec": { "f:containers": { 'k:{"name":"c"}': { "f:image": {} } } } });
});

test("managedFields a request sends are re-encoded even where nothing changed, as they may not be in canonical form", () => {
  const sent = [{ manager: "kubectl", operation: "Update", apiVersion: "v1", fieldsType: "FieldsV1", fieldsV1: { "f:spec": { "f:containers": {} }, "f:metadata": { "f:labels": { "f:app": {} } } } }];
  const stored = withFields(created, trackUpdate(undefined, created, ctx("kubectl")) as unknown[]);
  const next = withFields(structuredClone(created), sent);
  next.spec.nodeName = "n1";
  const out = trackUpdate(stored, next, ctx("k3rs-scheduler"));
  expect(out[0]!.fieldsV1).not.toBe(sent[0]!.fieldsV1);
  // Sorted: f:metadata before f:spec.
  expect(Object.keys(out[0]!.fieldsV1)).toEqual(["f:metadata", "f:spec"]);
});

test("a create's entry, made in one walk, is what an update over an empty object records", () => {
  const big: KubeObject = {
    ...created,
    metadata: { ...created.metadata, annotations: { a: "b" }, finalizers: ["x/y"] },
    spec: { ...created.spec, volumes: [{ name: "v", emptyDir: {} }], tolerations: [{ key: "k", operator: "Exists" }] },
    status: { phase: "Pending", conditions: [{ type: "PodScheduled", status: "False" }] },
  };
  const empty: KubeObject = { apiVersion: "v1", kind: "Pod", metadata: {} };
  for (const sub of [undefined, "status"]) {
    const fast = trackUpdate(undefined, big, ctx("creator", sub));
    expect(fast.length).toBe(1);
    expect(JSON.stringify(fast)).toBe(JSON.stringify(trackUpdate(empty, big, ctx("creator", sub))));
  }
  // Nothing to own (status apart, a spec-less create through status): no entry.
  expect(trackUpdate(undefined, { apiVersion: "v1", kind: "Pod", metadata: { name: "p" } }, ctx("creator"))).toEqual([]);
});

test("a writer that changes only fields it owns keeps its stored fieldsV1 (only its time moves); a new field re-encodes it", () => {
  const first = trackUpdate(undefined, created, ctx("creator"));
  const made: KubeObject = withFields(created, first);
  const running: KubeObject = { ...made, status: { phase: "Running", podIP: "10.0.0.1" } };
  const kubelet1 = trackUpdate(made, running, ctx("kubelet", "status"));
  const stored: KubeObject = { ...running, metadata: { ...running.metadata, managedFields: kubelet1 } };
  const again: KubeObject = { ...stored, status: { phase: "Succeeded", podIP: "10.0.0.2" } };
  const kubelet2 = trackUpdate(stored, again, { ...ctx("kubelet", "status"), now: "2026-12-06T11:00:00Z" });
  const entryOf = (entries: unknown[]) => (entries as any[]).find((e) => e.manager === "kubelet");
  expect(entryOf(kubelet2).fieldsV1).toBe(entryOf(kubelet1).fieldsV1);
  expect(entryOf(kubelet2).time).toBe("2026-12-06T11:00:00Z");
  // A field the kubelet did not own before: its set grows and is encoded again.
  const more: KubeObject = { ...stored, status: { ...stored.status, hostIP: "10.1.1.1" } };
  const kubelet3 = trackUpdate(stored, more, ctx("kubelet", "status"));
  expect(entryOf(kubelet3).fieldsV1).not.toBe(entryOf(kubelet1).fieldsV1);
  expect(entryOf(kubelet3).fieldsV1).toEqual({ "f:status": { "f:hostIP": {}, "f:phase": {}, "f:podIP": {} } });
  // The creator's entry stays as stored throughout.
  expect((kubelet3 as any[]).find((e) => e.manager === "creator").fieldsV1).toBe((first as any[])[0].fieldsV1);
});
