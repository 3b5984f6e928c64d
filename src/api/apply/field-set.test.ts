import { expect, test } from "bun:test";
import { patchSchemaFor } from "../openapi/index.ts";
import { collectFields, collectValuedFields, innerPaths, itemKey, LOOK_UP, pathKey, pathOf, pathText, valueAt, type FieldSet } from "./field-set.ts";
import { fromFieldsV1, toFieldsV1 } from "./fields-v1.ts";
import { mergeApplied } from "./merge.ts";

const pod = patchSchemaFor("", "v1", "Pod");

function fields(obj: object, mapNodes = false): object {
  const set: FieldSet = new Set();
  collectFields(obj, pod, [], set, mapNodes);
  set.delete(pathKey([]));
  return toFieldsV1(set);
}

test("members: scalars, map entries, keyed items (with '.'), not struct fields holding objects", () => {
  expect(fields({ metadata: { labels: { app: "x" } }, spec: { containers: [{ name: "web", image: "i", args: ["a"] }] } })).toEqual({
    "f:metadata": { "f:labels": { "f:app": {} } },
    "f:spec": { "f:containers": { 'k:{"name":"web"}': { ".": {}, "f:args": {}, "f:image": {}, "f:name": {} } } },
  });
});

test("an Update's maps are members themselves", () => {
  expect(fields({ metadata: { labels: { app: "x" } } }, true)).toEqual({ "f:metadata": { "f:labels": { ".": {}, "f:app": {} } } });
});

test("ports are keyed by containerPort and protocol, a missing protocol read as TCP", () => {
  expect(itemKey({ containerPort: 80 }, ["containerPort", "protocol"])).toBe('k:{"containerPort":80,"protocol":"TCP"}');
});

test("FieldsV1 round-trips", () => {
  const trie = { "f:data": { ".": {}, "f:a": {} }, "f:spec": { "f:x": { 'k:{"name":"n"}': { ".": {}, "f:v": {} } } } };
  expect(toFieldsV1(fromFieldsV1(trie))).toEqual(trie);
});

test("merge: keyed lists by key, atomic lists whole, null removes", () => {
  const live = { spec: { containers: [{ name: "a", image: "1" }, { name: "b", image: "1" }], nodeSelector: { x: "1" } } };
  const applied = { spec: { containers: [{ name: "b", image: "2" }, { name: "c", image: "1" }], nodeSelector: null } };
  expect(mergeApplied(live, applied, pod)).toEqual({
    spec: { containers: [{ name: "a", image: "1" }, { name: "b", image: "2" }, { name: "c", image: "1" }] },
  });
  expect(mergeApplied({ spec: { containers: [{ name: "a", args: ["1", "2"] }] } }, { spec: { containers: [{ name: "a", args: ["3"] }] } }, pod)).toEqual({
    spec: { containers: [{ name: "a", args: ["3"] }] },
  });
});

test("paths print as the apiserver prints them", () => {
  expect(pathText(["f:spec", 'k:{"name":"web"}', "f:image"])).toBe('.spec[name="web"].image');
  expect(pathText(["f:metadata", "f:finalizers", 'v:"x"'])).toBe('.metadata.finalizers[="x"]');
});

test("FieldsV1 of a whole Pod: every level's keys in sorted order with '.' first, and it reads back as the same set", () => {
  const schema = patchSchemaFor("", "v1", "Pod");
  const pod = {
    metadata: { labels: { app: "web", "pod-template-hash": "7d" }, annotations: { a: "b" }, ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "web", uid: "u", controller: true }] },
    spec: {
      containers: [
        { name: "web", image: "nginx", ports: [{ containerPort: 80, protocol: "TCP" }, { containerPort: 81 }], env: [{ name: "A", value: "1" }, { name: "B", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } }], resources: { limits: { cpu: "1" } } },
        { name: "side", image: "busybox", args: ["sleep", "1"] },
      ],
      volumes: [{ name: "config", configMap: { name: "c", defaultMode: 420 } }],
      tolerations: [{ key: "k", operator: "Exists" }],
    },
  };
  const set = new Set<string>();
  collectFields(pod, schema, [], set, true);
  const trie = toFieldsV1(set) as Record<string, any>;
  const check = (node: Record<string, any>) => {
    const keys = Object.keys(node);
    expect(keys).toEqual([...keys].sort());
    for (const k of keys) check(node[k]);
  };
  check(trie);
  expect(trie["f:spec"]["f:containers"]['k:{"name":"web"}']["f:ports"]['k:{"containerPort":81,"protocol":"TCP"}']).toEqual({ ".": {}, "f:containerPort": {} });
  expect(trie["f:metadata"]["f:labels"]["."]).toEqual({});
  expect(Object.keys(trie["f:metadata"]["f:labels"])[0]).toBe(".");
  expect(fromFieldsV1(trie)).toEqual(set);
  expect(JSON.stringify(toFieldsV1(fromFieldsV1(trie)))).toBe(JSON.stringify(trie));
});

test("collectValuedFields finds, in one walk, the members collectFields does, their values as valueAt does and their inner nodes as innerPaths does", () => {
  const obj = {
    metadata: { labels: { app: "x", tier: "" }, annotations: {}, ownerReferences: [{ uid: "u1", kind: "RS", name: "r" }] },
    spec: {
      nodeName: null,
      containers: [
        { name: "web", image: "i", ports: [{ containerPort: 80 }, { containerPort: 80, protocol: "UDP" }], env: [{ name: "A", value: "1" }] },
        // A second item under the same key: valueAt looks into the first.
        { name: "web", image: "j", resources: { limits: { cpu: "1" } } },
        // No key field: its segment would match other items too.
        { image: "k" },
      ],
      volumes: [{ name: "v", configMap: { name: "c" } }],
      tolerations: [{ key: "a" }, { key: "a" }],
    },
    status: { conditions: [{ type: "Ready", status: "True" }] },
  };
  const set: FieldSet = new Set();
  collectFields(obj, pod, [], set, true);
  set.delete(pathKey([]));
  const got = collectValuedFields(obj, pod);
  expect([...got.values.keys()].sort()).toEqual([...set].sort());
  const inner = innerPaths(set);
  expect([...got.inner].sort()).toEqual([...set].filter((k) => inner.has(k)).sort());
  let lookedUp = 0;
  for (const [key, value] of got.values) {
    if (value === LOOK_UP) lookedUp++;
    else expect(value).toEqual(valueAt(obj, pathOf(key)));
  }
  // The duplicate's and the keyless item's own paths are the ones left to valueAt.
  expect(lookedUp).toBeGreaterThan(0);
  expect(got.values.get(pathKey(["f:spec", "f:containers", 'k:{"name":"web"}', "f:image"]))).toBe("i");
});
