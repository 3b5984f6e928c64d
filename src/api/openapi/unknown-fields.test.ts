import { describe, expect, test } from "bun:test";
import { pruneUnknownFields, unknownFields } from "./unknown-fields.ts";

const deployment = (container: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "web", labels: { app: "web" }, annotations: { "a/b": "c" } },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: "web" }, matchExpressions: [{ key: "app", operator: "In", values: ["web"] }] },
    strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: 1 } },
    template: {
      metadata: { labels: { app: "web" } },
      spec: { containers: [{ name: "web", image: "busybox", ...container }] },
    },
    ...extra,
  },
});

describe("unknownFields", () => {
  test.each<[string, string, string, string, unknown, string[]]>([
    ["a valid deployment", "apps", "v1", "Deployment", deployment({ ports: [{ containerPort: 80 }], resources: { limits: { cpu: 1, memory: "1Gi" } } }), []],
    ["a typo in a container", "apps", "v1", "Deployment", deployment({ imagee: "x" }), ["spec.template.spec.containers[0].imagee"]],
    ["a typo in a list item's item", "apps", "v1", "Deployment", deployment({ ports: [{ containerPort: 80 }, { containerPort: 81, hostPortt: 1 }] }), ["spec.template.spec.containers[0].ports[1].hostPortt"]],
    ["an unknown spec field", "apps", "v1", "Deployment", deployment({}, { replica: 3 }), ["spec.replica"]],
    ["metadata is checked", "", "v1", "ConfigMap", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x", label: {} }, data: { k: "v" } }, ["metadata.label"]],
    ["map values of a typed element", "", "v1", "Pod", { spec: { containers: [{ name: "a", env: [{ name: "X", valueFrom: { secretKeyRef: { name: "s", keyy: "k" } } }] }] } }, ["spec.containers[0].env[0].valueFrom.secretKeyRef.keyy"]],
    ["free-form maps are not checked", "", "v1", "ConfigMap", { data: { anything: "goes", "with.dots": "too" } }, []],
    ["int-or-string accepts both forms", "", "v1", "Service", { spec: { ports: [{ port: 80, targetPort: "http" }, { port: 81, targetPort: 8080 }] } }, []],
    ["opaque RawExtension data is not checked", "apps", "v1", "ControllerRevision", { data: { spec: { whatever: 1 } }, revision: 1 }, []],
    ["managedFields' fieldsV1 is opaque", "", "v1", "Secret", { metadata: { managedFields: [{ manager: "m", fieldsV1: { "f:data": {} } }] } }, []],
    ["several at once, in document order", "batch", "v1", "Job", { spec: { foo: 1, template: { spec: { bar: 2 } } }, baz: 3 }, ["spec.foo", "spec.template.spec.bar", "baz"]],
    ["a kind without a schema", "example.com", "v1", "Widget", { anything: 1 }, []],
    ["nulls and scalars where objects go are left to validation", "", "v1", "Pod", { spec: null, metadata: "x" }, []],
  ])("%s", (_name, g, v, k, obj, want) => expect(unknownFields(obj, g, v, k)).toEqual(want));
});

describe("pruneUnknownFields", () => {
  test("drops unknown fields in place and reports them", () => {
    const obj = deployment({ imagee: "x" }, { replica: 3 });
    expect(pruneUnknownFields(obj, "apps", "v1", "Deployment")).toEqual(["spec.template.spec.containers[0].imagee", "spec.replica"]);
    expect(obj).toEqual(deployment({}));
    expect(unknownFields(obj, "apps", "v1", "Deployment")).toEqual([]);
  });
});
