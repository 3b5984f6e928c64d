import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import YAML from "yaml";
import { shapeErrors, MAX_CAUSES } from "./type-check.ts";
import { builtinResources } from "../resources/builtin.ts";
import { definitionFor } from "./defs.ts";

const pod = (spec: Record<string, unknown>, meta: Record<string, unknown> = {}) => ({
  apiVersion: "v1", kind: "Pod", metadata: { name: "p", ...meta }, spec: { containers: [{ name: "c", image: "busybox" }], ...spec },
});
const container = (c: Record<string, unknown>) => pod({ containers: [{ name: "c", image: "busybox", ...c }] });
const deployment = (spec: Record<string, unknown>) => ({
  apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "d" },
  spec: { selector: { matchLabels: { a: "b" } }, template: { metadata: { labels: { a: "b" } }, spec: { containers: [{ name: "c", image: "busybox" }] } }, ...spec },
});
const typeCause = (field: string, want: string, got: string) => ({
  reason: "FieldValueTypeInvalid", field, message: `Invalid value: "${got}": ${field} in body must be of type ${want}: "${got}"`,
});
const required = (field: string) => ({ reason: "FieldValueRequired", field, message: "Required value" });

type Row = [string, string, string, string, unknown, unknown[]];

describe("shapeErrors", () => {
  test.each<Row>([
    ["ConfigMap data values are strings", "", "v1", "ConfigMap", { metadata: { name: "c" }, data: { a: 1 } }, [typeCause("data[a]", "string", "integer")]],
    ["ConfigMap data values are not objects", "", "v1", "ConfigMap", { data: { a: { x: "y" } } }, [typeCause("data[a]", "string", "object")]],
    ["ConfigMap data is a map", "", "v1", "ConfigMap", { data: ["a"] }, [typeCause("data", "object", "array")]],
    ["initContainers is a list", "", "v1", "Pod", pod({ initContainers: "garbage" }), [typeCause("spec.initContainers", "array", "string")]],
    ["nodeSelector is a map", "", "v1", "Pod", pod({ nodeSelector: "garbage" }), [typeCause("spec.nodeSelector", "object", "string")]],
    ["tolerations is a list", "", "v1", "Pod", pod({ tolerations: "garbage" }), [typeCause("spec.tolerations", "array", "string")]],
    ["command is a list", "", "v1", "Pod", container({ command: "notalist" }), [typeCause("spec.containers[0].command", "array", "string")]],
    ["command items are strings", "", "v1", "Pod", container({ command: ["sh", 1] }), [typeCause("spec.containers[0].command[1]", "string", "integer")]],
    ["managedFields is a list", "", "v1", "Pod", pod({}, { managedFields: "garbage" }), [typeCause("metadata.managedFields", "array", "string")]],
    ["labels are strings", "", "v1", "Pod", pod({}, { labels: { a: true } }), [typeCause("metadata.labels[a]", "string", "boolean")]],
    ["metadata.name is a string", "", "v1", "Secret", { metadata: { name: 7 } }, [typeCause("metadata.name", "string", "integer")]],
    ["creationTimestamp is RFC 3339", "", "v1", "Secret", { metadata: { creationTimestamp: "yesterday" } }, [
      { reason: "FieldValueTypeInvalid", field: "metadata.creationTimestamp", message: 'Invalid value: "string": metadata.creationTimestamp in body must be of type date-time: "yesterday"' },
    ]],
    ["replicas is an integer, not a string", "apps", "v1", "Deployment", deployment({ replicas: "3" }), [typeCause("spec.replicas", "integer", "string")]],
    ["replicas is integral", "apps", "v1", "Deployment", deployment({ replicas: 1.5 }), [typeCause("spec.replicas", "integer", "number")]],
    ["replicas fits int32", "apps", "v1", "Deployment", deployment({ replicas: 3_000_000_000 }), [
      { reason: "FieldValueTypeInvalid", field: "spec.replicas", message: 'Invalid value: "integer": spec.replicas in body must be of type int32: "3000000000"' },
    ]],
    ["int64 fields take more than int32", "", "v1", "Pod", pod({ activeDeadlineSeconds: 3_000_000_000 }), []],
    ["int64's maximum (rounded to 2^63 by JSON.parse) passes", "", "v1", "Pod", pod({ activeDeadlineSeconds: JSON.parse("9223372036854775807") }), []],
    ["int32's bounds are exact", "apps", "v1", "Deployment", deployment({ replicas: 2147483647, minReadySeconds: -2147483648 }), []],
    ["int64 fields have a range too", "", "v1", "Pod", pod({ activeDeadlineSeconds: 1e19 }), [
      { reason: "FieldValueTypeInvalid", field: "spec.activeDeadlineSeconds", message: 'Invalid value: "integer": spec.activeDeadlineSeconds in body must be of type int64: "10000000000000000000"' },
    ]],
    // No built-in field is a double any more (the generator keeps int32/int64 on array items); YAML's .inf is no integer.
    ["numbers are finite (YAML's .inf)", "", "v1", "Pod", pod({ securityContext: { supplementalGroups: [Infinity, 1.5] } }), [typeCause("spec.securityContext.supplementalGroups[0]", "integer", "number"), typeCause("spec.securityContext.supplementalGroups[1]", "integer", "number")]],
    ["booleans are booleans", "", "v1", "Pod", pod({ hostNetwork: "true" }), [typeCause("spec.hostNetwork", "boolean", "string")]],
    ["int-or-string takes neither a bool nor a fraction", "", "v1", "Service", { spec: { ports: [{ port: 80, targetPort: true }, { port: 81, targetPort: 1.5 }] } }, [
      typeCause("spec.ports[0].targetPort", "integer or string", "boolean"), typeCause("spec.ports[1].targetPort", "integer or string", "number"),
    ]],
    ["a bad Quantity", "", "v1", "Pod", container({ resources: { limits: { cpu: "lots" } } }), [
      { reason: "FieldValueInvalid", field: "spec.containers[0].resources.limits[cpu]", message: `Invalid value: "lots": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'` },
    ]],
    ["a Quantity is no object", "", "v1", "Pod", container({ resources: { requests: { memory: {} } } }), [typeCause("spec.containers[0].resources.requests[memory]", "integer or string", "object")]],
    ["a port needs its number", "", "v1", "Pod", container({ ports: [{ name: "http" }] }), [required("spec.containers[0].ports[0].containerPort")]],
    ["a key selector needs its key", "", "v1", "Pod", container({ env: [{ name: "A", valueFrom: { configMapKeyRef: { name: "cm" } } }] }), [required("spec.containers[0].env[0].valueFrom.configMapKeyRef.key")]],
    ["causes for every field", "", "v1", "Pod", pod({ nodeSelector: 1, tolerations: {}, hostPID: 0 }), [
      typeCause("spec.nodeSelector", "object", "integer"), typeCause("spec.tolerations", "array", "object"), typeCause("spec.hostPID", "boolean", "integer"),
    ]],
    ["status is checked too", "apps", "v1", "Deployment", { ...deployment({}), status: { replicas: "x" } }, [typeCause("status.replicas", "integer", "string")]],
    ["null is absent", "", "v1", "Pod", pod({ nodeSelector: null, tolerations: null, initContainers: [null] }, { labels: null }), []],
    ["unknown fields are not typed", "", "v1", "Pod", pod({ whatever: { x: 1 } }), []],
    ["opaque data is not typed", "apps", "v1", "ControllerRevision", { data: { spec: 1 }, revision: 1 }, []],
  ])("%s", (_name, group, version, kind, obj, causes) => {
    expect(shapeErrors(obj, group, version, kind)).toEqual(causes as any);
  });

  test("a Quantity given as a number is stored as its string", () => {
    const obj: any = container({ resources: { limits: { cpu: 0.5, memory: 1073741824 }, requests: { cpu: "250m" } } });
    expect(shapeErrors(obj, "", "v1", "Pod")).toEqual([]);
    expect(obj.spec.containers[0].resources).toEqual({ limits: { cpu: "500m", memory: "1073741824" }, requests: { cpu: "250m" } });
  });

  test("the causes stop at MAX_CAUSES", () => {
    const data = Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`k${i}`, i]));
    expect(shapeErrors({ data }, "", "v1", "ConfigMap")).toHaveLength(MAX_CAUSES);
  });

  test("nesting past the limit is refused, in typed and in unknown or opaque parts", () => {
    let deep: any = {};
    for (let i = 0; i < 200; i++) deep = { a: deep };
    const tooDeep = expect.objectContaining({ code: 400, message: "the body of the request is nested more than 100 levels deep" });
    expect(() => shapeErrors(pod({}, { managedFields: [{ manager: "m", fieldsV1: deep }] }), "", "v1", "Pod")).toThrow(tooDeep);
    expect(() => shapeErrors(pod({ unknown: deep }), "", "v1", "Pod")).toThrow(tooDeep);
    expect(() => shapeErrors({ data: deep }, "apps", "v1", "ControllerRevision")).toThrow(tooDeep);
  });

  test("every served kind has a schema to check against", () => {
    const missing = builtinResources.filter((d) => d.group !== "metrics.k8s.io" && !definitionFor(d.group, d.version, d.kind)).map((d) => d.kind);
    expect(missing).toEqual([]);
  });

  test("the manifests in test/fixtures pass unchanged", () => {
    const dir = join(import.meta.dir, "../../../test/fixtures/manifests");
    const files = [join(dir, "web.yaml"), ...readdirSync(join(dir, "dir")).map((f) => join(dir, "dir", f))];
    let checked = 0;
    for (const file of files) {
      for (const doc of YAML.parseAllDocuments(readFileSync(file, "utf8"))) {
        const obj = doc.toJS();
        if (!obj) continue;
        const [group, version] = obj.apiVersion.includes("/") ? obj.apiVersion.split("/") : ["", obj.apiVersion];
        const before = JSON.stringify(obj);
        expect({ file, kind: obj.kind, causes: shapeErrors(obj, group, version, obj.kind) }).toEqual({ file, kind: obj.kind, causes: [] });
        if (!before.includes('"cpu":') && !before.includes('"memory":')) expect(JSON.stringify(obj)).toBe(before);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(3);
  });
});
