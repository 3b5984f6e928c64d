import { describe, expect, test } from "bun:test";
import { decodeProtobufObject } from "./decode.ts";

/** Just enough of the wire format to build request bodies: length-delimited fields only. */
const utf8 = new TextEncoder();
function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 127) {
    out.push((n & 127) | 128);
    n >>>= 7;
  }
  out.push(n);
  return out;
}
function field(num: number, body: Uint8Array | string): Uint8Array {
  const bytes = typeof body === "string" ? utf8.encode(body) : body;
  return new Uint8Array([...varint((num << 3) | 2), ...varint(bytes.length), ...bytes]);
}
const cat = (...parts: Uint8Array[]) => new Uint8Array(parts.flatMap((p) => [...p]));
function envelope(apiVersion: string, kind: string, raw: Uint8Array): Uint8Array {
  return cat(new Uint8Array([0x6b, 0x38, 0x73, 0x00]), field(1, cat(field(1, apiVersion), field(2, kind))), field(2, raw));
}

function varintField(num: number, n: number): Uint8Array {
  return new Uint8Array([...varint(num << 3), ...varint(n)]);
}

describe("decodeProtobufObject", () => {
  test("the auth kinds kubectl sends as protobuf: SelfSubjectAccessReview (auth can-i), TokenRequest (create token), RoleBinding (create rolebinding)", () => {
    const attrs = cat(field(1, "y"), field(2, "list"), field(5, "secrets"));
    expect(decodeProtobufObject(envelope("authorization.k8s.io/v1", "SelfSubjectAccessReview", cat(field(1, new Uint8Array()), field(2, field(1, attrs)))))).toEqual({
      apiVersion: "authorization.k8s.io/v1", kind: "SelfSubjectAccessReview", metadata: {}, spec: { resourceAttributes: { namespace: "y", verb: "list", resource: "secrets" } },
    });
    const spec = cat(field(1, "k3s"), varintField(4, 1200));
    expect(decodeProtobufObject(envelope("authentication.k8s.io/v1", "TokenRequest", cat(field(1, field(1, "robot")), field(2, spec))))).toMatchObject({
      kind: "TokenRequest", spec: { audiences: ["k3s"], expirationSeconds: 1200 },
    });
    const binding = cat(field(1, field(1, "b")), field(2, cat(field(1, "User"), field(2, "rbac.authorization.k8s.io"), field(3, "alice"))), field(3, cat(field(1, "rbac.authorization.k8s.io"), field(2, "ClusterRole"), field(3, "view"))));
    expect(decodeProtobufObject(envelope("rbac.authorization.k8s.io/v1", "RoleBinding", binding))).toEqual({
      apiVersion: "rbac.authorization.k8s.io/v1", kind: "RoleBinding", metadata: { name: "b" },
      subjects: [{ kind: "User", apiGroup: "rbac.authorization.k8s.io", name: "alice" }],
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "view" },
    });
  });

  test.each(["policy/v1", "policy/v1beta1"])("an Eviction (%s, as kubectl drain sends it) with its deleteOptions", (apiVersion) => {
    const meta = cat(field(1, "web-1"), field(3, "default"));
    const deleteOptions = cat(varintField(1, 30), field(2, field(1, "uid-1")));
    expect(decodeProtobufObject(envelope(apiVersion, "Eviction", cat(field(1, meta), field(2, deleteOptions))))).toEqual({
      apiVersion, kind: "Eviction", metadata: { name: "web-1", namespace: "default" }, deleteOptions: { gracePeriodSeconds: 30, preconditions: { uid: "uid-1" } },
    });
  });

  test("fields Go embeds inline land in their parent, as JSON has them (kubectl debug node/…'s hostPath volume, a probe's exec, a key selector's name)", () => {
    const volume = cat(field(1, "host-root"), field(2, field(1, field(1, "/"))));
    const env = cat(field(1, "MODE"), field(3, field(3, cat(field(1, field(1, "cfg")), field(2, "mode")))));
    const probe = cat(field(1, field(1, field(1, "true"))), varintField(4, 5));
    const container = cat(field(1, "debugger"), field(2, "busybox"), field(7, env), field(11, probe));
    const pod = cat(field(1, field(1, "p")), field(2, cat(field(1, volume), field(2, container))));
    expect(decodeProtobufObject(envelope("v1", "Pod", pod))).toEqual({
      apiVersion: "v1", kind: "Pod", metadata: { name: "p" },
      spec: {
        volumes: [{ name: "host-root", hostPath: { path: "/" } }],
        containers: [{ name: "debugger", image: "busybox", env: [{ name: "MODE", valueFrom: { configMapKeyRef: { name: "cfg", key: "mode" } } }], readinessProbe: { exec: { command: ["true"] }, periodSeconds: 5 } }],
      },
    });
  });

  test("map values that are Quantities decode to their strings (ResourceQuota spec.hard, as kubectl create quota sends it)", () => {
    const entry = (k: string, v: string) => field(1, cat(field(1, k), field(2, field(1, v))));
    const quota = cat(field(1, field(1, "quota")), field(2, cat(entry("pods", "2"), entry("requests.cpu", "500m"))));
    expect(decodeProtobufObject(envelope("v1", "ResourceQuota", quota))).toEqual({
      apiVersion: "v1", kind: "ResourceQuota", metadata: { name: "quota" }, spec: { hard: { pods: "2", "requests.cpu": "500m" } },
    });
  });

  /** A ConfigMap whose one managedFields entry carries `json` as its fieldsV1. */
  const withFieldsV1 = (json: string) => {
    const entry = cat(field(1, "kubectl"), field(7, field(1, json)));
    return envelope("v1", "ConfigMap", field(1, cat(field(1, "cm"), field(17, entry))));
  };

  test("fieldsV1 JSON is decoded into the object", () => {
    expect(decodeProtobufObject(withFieldsV1('{"f:data":{"f:a":{}}}')).metadata.managedFields[0].fieldsV1).toEqual({ "f:data": { "f:a": {} } });
  });

  test("fieldsV1 JSON nested past the limit is refused (it would break every Go client listing the object)", () => {
    const deep = '{"f:a":'.repeat(10_001) + "{}" + "}".repeat(10_001);
    expect(() => decodeProtobufObject(withFieldsV1(deep))).toThrow(expect.objectContaining({ code: 400, message: "the body of the request is nested more than 100 levels deep" }));
  });

  test("fieldsV1 JSON within the limit is accepted", () => {
    const atLimit = '{"a":'.repeat(95) + "1" + "}".repeat(95);
    expect(() => decodeProtobufObject(withFieldsV1(atLimit))).not.toThrow();
  });
});
