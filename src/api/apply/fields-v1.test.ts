import { expect, test } from "bun:test";
import { patchSchemaFor } from "../openapi/index.ts";
import type { PatchSchema } from "../patch/patch-schema.ts";
import { collectFields, SEP, type FieldSet } from "./field-set.ts";
import { fieldsV1Of, fromFieldsV1, hasMember, toFieldsV1, trieHas } from "./fields-v1.ts";

/** What a walk of the set finds and encodes: the reference fieldsV1Of must equal, key order included. */
function viaSet(value: unknown, schema: PatchSchema | undefined): string {
  const set: FieldSet = new Set();
  collectFields(value, schema, [], set, true);
  set.delete("");
  return JSON.stringify(toFieldsV1(set));
}

const pod = (i: number) => ({
  metadata: {
    labels: { app: "web", tier: "frontend", "pod-template-hash": "7d4b9c8f6d", [`n${i}`]: "x" },
    annotations: { "kubectl.kubernetes.io/restartedAt": "2026-12-01T10:00:00Z", empty: "" },
    ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "web", uid: "u1", controller: true, blockOwnerDeletion: true }],
    finalizers: ["a/b", "c/d", "a/b"],
  },
  spec: {
    nodeName: `node-${i}`,
    containers: [
      {
        name: "web",
        image: "registry.example.com/web:1.27.3",
        ports: [{ name: "http", containerPort: 8080, protocol: "TCP" }, { containerPort: 8443 }, { containerPort: 53, protocol: "UDP" }],
        env: [
          { name: "LOG_LEVEL", value: "info" },
          { name: "POD_NAME", valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "metadata.name" } } },
        ],
        resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: {} },
        readinessProbe: { httpGet: { path: "/healthz", port: 8080, scheme: "HTTP" }, periodSeconds: 10 },
        command: ["/bin/sh", "-c", "sleep 1"],
        volumeMounts: [{ name: "config", mountPath: "/etc/web", readOnly: true }],
        securityContext: null,
      },
      { name: "sidecar", image: "registry.example.com/proxy:2.4.1", ports: [] },
    ],
    volumes: [
      { name: "config", configMap: { name: "web-config", defaultMode: 420 } },
      { name: "api", projected: { sources: [{ serviceAccountToken: { path: "token" } }, { configMap: { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: "ca.crt" }] } }] } },
    ],
    tolerations: [{ key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 }],
    nodeSelector: {},
    dnsConfig: { options: [{ name: "ndots", value: "2" }] },
  },
  status: {
    phase: "Running",
    conditions: [{ type: "Ready", status: "True", lastProbeTime: null }, { type: "PodScheduled", status: "True" }],
    podIPs: [{ ip: `10.42.0.${i}` }],
    containerStatuses: [{ name: "web", ready: true, restartCount: 0, state: { running: { startedAt: "2026-12-01T10:00:05Z" } } }],
  },
});

test("a Pod's fields, encoded in one walk, are the set's encoding, key order included", () => {
  const schema = patchSchemaFor("", "v1", "Pod");
  for (let i = 0; i < 5; i++) {
    const obj = pod(i);
    expect(JSON.stringify(fieldsV1Of(obj, schema))).toBe(viaSet(obj, schema));
    expect(fromFieldsV1(fieldsV1Of(obj, schema))).toEqual(fromFieldsV1(JSON.parse(viaSet(obj, schema))));
  }
});

test("other kinds, a kind without a schema, and odd values: the same as the set's encoding", () => {
  const cases: [unknown, PatchSchema | undefined][] = [
    [{ spec: { replicas: 3, selector: { matchLabels: { app: "web" } }, template: pod(1), strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%" } } } }, patchSchemaFor("apps", "v1", "Deployment")],
    [{ spec: { ports: [{ port: 80, protocol: "TCP", targetPort: 8080 }, { port: 80, protocol: "UDP" }, { port: 53 }], selector: { app: "web" }, type: "ClusterIP" } }, patchSchemaFor("", "v1", "Service")],
    [{ data: { a: "1", "b.c": "", z: "x" }, binaryData: {}, immutable: false }, patchSchemaFor("", "v1", "ConfigMap")],
    [{ status: { addresses: [{ type: "InternalIP", address: "10.0.0.1" }, { type: "Hostname", address: "n" }], capacity: { cpu: "2" }, images: [{ names: ["a", "b"], sizeBytes: 1 }] } }, patchSchemaFor("", "v1", "Node")],
    [{ spec: { anything: { deep: [1, 2, { x: null }] }, list: ["a", "a"], empty: {}, nothing: null, gone: undefined } }, undefined],
    // Two items under one key: both items' fields are the key's.
    [{ spec: { containers: [{ name: "c", image: "a" }, { name: "c", command: ["x"] }, { image: "no-name" }] } }, patchSchemaFor("", "v1", "Pod")],
    // A keyed list that is empty under a struct, and a struct left with nothing to own.
    [{ spec: { containers: [], securityContext: {}, affinity: { nodeAffinity: {} } } }, patchSchemaFor("", "v1", "Pod")],
    [{}, patchSchemaFor("", "v1", "Pod")],
    [{ metadata: { labels: { "0": "zero", "10": "ten", b: "b", a: "a" } } }, patchSchemaFor("", "v1", "Pod")],
  ];
  for (const [obj, schema] of cases) expect(JSON.stringify(fieldsV1Of(obj, schema))).toBe(viaSet(obj, schema));
});

test("random changes to a Pod keep the two encodings equal", () => {
  const schema = patchSchemaFor("", "v1", "Pod");
  let seed = 7;
  const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648), seed % n);
  const values = [null, {}, [], "s", 0, true, [{ name: "web" }, { name: "web" }], { k: "v" }, [1, 1]];
  for (let round = 0; round < 300; round++) {
    const obj: any = pod(round);
    for (let edits = 0; edits < 4; edits++) {
      // Walk down to a random place and put a random value there.
      let at: any = obj;
      for (let depth = 0; depth < 5; depth++) {
        const keys = Object.keys(at);
        if (keys.length === 0) break;
        const k = keys[rand(keys.length)]!;
        if (typeof at[k] !== "object" || at[k] === null || rand(4) === 0) {
          at[k] = structuredClone(values[rand(values.length)]);
          break;
        }
        at = at[k];
      }
    }
    expect(JSON.stringify(fieldsV1Of(obj, schema))).toBe(viaSet(obj, schema));
  }
});

test("trieHas and hasMember answer what fromFieldsV1's set would, odd tries included", () => {
  const schema = patchSchemaFor("", "v1", "Pod");
  const odd: unknown[] = [
    {},
    null,
    [],
    5,
    { ".": {} },
    { "f:a": 5 },
    { "f:a": { ".": 1, "f:b": {} } },
    { "f:a": { "f:b": { "f:c": [] } } },
    { "f:a": { "f:b": { "f:c": {} } }, "f:d": null },
    { "k:{\"name\":\"x\"}": { ".": {}, "f:name": {} } },
  ];
  const tries = [...odd, ...Array.from({ length: 5 }, (_, i) => fieldsV1Of(pod(i), schema))];
  for (const trie of tries) {
    const set = fromFieldsV1(trie);
    expect(hasMember(trie)).toBe(set.size > 0);
    // Every member is found; so is nothing else among the trie's paths and their prefixes.
    const probes = new Set<string>(set);
    for (const k of set) for (let i = k.indexOf(SEP); i >= 0; i = k.indexOf(SEP, i + 1)) probes.add(k.slice(0, i));
    for (const extra of ["f:a", "f:a" + SEP + "f:b", "f:zz", "f:spec" + SEP + "f:nope"]) probes.add(extra);
    for (const k of probes) expect(trieHas(trie, k)).toBe(set.has(k));
  }
});
