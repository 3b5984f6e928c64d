import { describe, expect, test } from "bun:test";
import { criGrpcServices, criRoot } from "../../../test/helpers/cri-grpc.ts";
import { decodeMessage } from "./proto-decode.ts";
import { encodeMessage } from "./proto-encode.ts";
import { camelCase, parseProtoSchema } from "./proto-schema.ts";
import { criSchema } from "./proto.ts";

const T = (name: string) => `runtime.v1.${name}`;

describe("CRI schema", () => {
  test("offers every call the agent makes, at gRPC's paths", () => {
    const s = criSchema();
    expect([...s.services.get("RuntimeService")!.keys()].sort()).toEqual(
      [
        "Attach", "ContainerStats", "ContainerStatus", "CreateContainer", "Exec", "ExecSync",
        "ListContainerStats", "ListContainers", "ListPodSandbox", "ListPodSandboxStats", "PodSandboxStats",
        "PodSandboxStatus", "PortForward", "RemoveContainer", "RemovePodSandbox", "ReopenContainerLog",
        "RunPodSandbox", "StartContainer", "Status", "StopContainer", "StopPodSandbox",
        "UpdateContainerResources", "Version",
      ].sort(),
    );
    expect([...s.services.get("ImageService")!.keys()].sort()).toEqual(["ImageFsInfo", "ImageStatus", "ListImages", "PullImage", "RemoveImage"]);
    expect(s.services.get("RuntimeService")!.get("Version")).toEqual({ path: "/runtime.v1.RuntimeService/Version", request: T("VersionRequest"), response: T("VersionResponse") });
  });

  test("keeps upstream field numbers where fields were added out of order", () => {
    const field = (type: string, name: string) => criSchema().messages.get(T(type))!.fields.find((f) => f.name === name)!.no;
    expect(field("LinuxSandboxSecurityContext", "runAsGroup")).toBe(8);
    expect(field("LinuxContainerSecurityContext", "runAsGroup")).toBe(12);
    expect(field("LinuxContainerSecurityContext", "apparmor")).toBe(16);
    expect(field("ContainerConfig", "CDIDevices")).toBe(17);
    expect(field("Namespace", "options")).toBe(2);
    expect(field("AttachRequest", "tty")).toBe(3);
    expect(field("ExecRequest", "tty")).toBe(3);
    expect(field("ExecRequest", "stdin")).toBe(4);
  });

  test("reads every message, field, number, type and enum as protobufjs does", () => {
    const root = criRoot();
    const ours = criSchema();
    let fields = 0;
    for (const [name, def] of ours.messages) {
      const theirs = root.lookupType(name);
      expect(def.fields.map((f) => f.name).sort()).toEqual(Object.keys(theirs.fields).sort());
      for (const f of def.fields) {
        const t = theirs.fields[f.name]!.resolve();
        expect({ name: `${name}.${f.name}`, no: f.no, repeated: f.repeated, map: (f.mapKey ?? null) as string | null }).toEqual({
          name: `${name}.${f.name}`, no: t.id, repeated: t.repeated, map: (t as { keyType?: string }).keyType ?? null,
        });
        expect(f.kind === "scalar" ? f.type : f.type.split(".").at(-1)).toBe(t.resolvedType ? t.resolvedType.name : t.type);
        fields++;
      }
    }
    expect(fields).toBeGreaterThan(300);
    for (const [name, def] of ours.enums) expect(Object.fromEntries(def.byName)).toEqual(root.lookupEnum(name).values);
  });

  test.each([
    ["pod_sandbox_id", "podSandboxId"],
    ["CDIDevices", "CDIDevices"],
    ["run_as_user", "runAsUser"],
    ["selinux_options", "selinuxOptions"],
  ])("field %s is named %s", (proto, js) => expect(camelCase(proto)).toBe(js));

  test.each([
    ["proto2", 'syntax = "proto2";'],
    ["a streaming rpc", 'syntax = "proto3"; message A {} service S { rpc Watch(A) returns (stream A); }'],
    ["an unknown type", 'syntax = "proto3"; message A { Missing m = 1; }'],
  ])("refuses %s", (_, text) => expect(() => parseProtoSchema(text)).toThrow());
});

describe("CRI codec", () => {
  const method = (name: string) => criGrpcServices().RuntimeService.service[name]!;

  test("decodes what grpc-js encodes: camelCase, int64 as strings, enums as names, maps, defaults", () => {
    const bytes = method("ListContainers").responseSerialize({
      containers: [{ id: "c1", podSandboxId: "s1", state: "CONTAINER_EXITED", createdAt: "1700000000123456789", labels: { a: "b" }, metadata: { name: "c", attempt: 2 } }],
    });
    const back = decodeMessage(criSchema(), T("ListContainersResponse"), bytes);
    expect(back).toEqual(method("ListContainers").responseDeserialize(bytes) as Record<string, unknown>);
    expect((back.containers as any[])[0]).toMatchObject({
      id: "c1", podSandboxId: "s1", state: "CONTAINER_EXITED", createdAt: "1700000000123456789", labels: { a: "b" },
      imageRef: "", image: null, annotations: {}, metadata: { name: "c", attempt: 2 },
    });
  });

  test("what it encodes, grpc-js decodes to the same request (nested messages, packed and negative numbers, maps, enums)", () => {
    const request = {
      podSandboxId: "s1",
      config: {
        metadata: { name: "c", attempt: 1 },
        image: { image: "busybox:latest", annotations: { x: "y" } },
        command: ["sleep"], args: ["3600"], workingDir: "/",
        envs: [{ key: "A", value: "1" }],
        mounts: [{ containerPath: "/data", hostPath: "/var/x", readonly: true, propagation: "PROPAGATION_PRIVATE" }],
        labels: { app: "web" },
        logPath: "c/0.log",
        linux: {
          resources: { cpuPeriod: "100000", cpuQuota: "50000", cpuShares: "512", memoryLimitInBytes: String(128 * 2 ** 20), oomScoreAdj: "-997" },
          securityContext: { runAsUser: { value: "1000" }, supplementalGroups: ["1", "2", "70000"], namespaceOptions: { network: "POD", pid: "CONTAINER" }, seccomp: { profileType: "RuntimeDefault" } },
        },
      },
      sandboxConfig: { metadata: { name: "p", namespace: "default", uid: "u1" }, dnsConfig: { servers: ["10.43.0.10"], searches: [], options: ["ndots:5"] } },
    };
    const ours = encodeMessage(criSchema(), T("CreateContainerRequest"), request);
    const theirs = method("CreateContainer").requestDeserialize(Buffer.from(ours)) as any;
    expect(theirs).toEqual(decodeMessage(criSchema(), T("CreateContainerRequest"), ours));
    expect(theirs.config.linux.resources.oomScoreAdj).toBe("-997");
    expect(theirs.config.linux.securityContext.supplementalGroups).toEqual(["1", "2", "70000"]);
    expect(theirs.config.linux.securityContext.namespaceOptions.pid).toBe("CONTAINER");
    expect(theirs.config.mounts[0].propagation).toBe("PROPAGATION_PRIVATE");
    expect(theirs.config.image.annotations).toEqual({ x: "y" });
    // Bytes may differ from protobufjs's: it writes enum fields set to their zero value, proto3
    // (and this codec) leaves them out; both read back the same.
  });

  test("decodes the wire bytes another CRI client would send", () => {
    // StopContainerRequest{container_id: "x", timeout: 30}: field 1 string, field 2 varint.
    expect(decodeMessage(criSchema(), T("StopContainerRequest"), Buffer.from([0x0a, 0x01, 0x78, 0x10, 0x1e]))).toEqual({ containerId: "x", timeout: "30" });
  });

  test("skips fields newer than the schema and reads unpacked repeated numbers", () => {
    // field 5 of LinuxSandboxSecurityContext is supplemental_groups (int64): two unpacked values,
    // then field 99 (unknown, a string).
    const bytes = Buffer.from([0x28, 0x07, 0x28, 0x08, 0x9a, 0x06, 0x02, 0x68, 0x69]);
    expect(decodeMessage(criSchema(), T("LinuxSandboxSecurityContext"), bytes).supplementalGroups).toEqual(["7", "8"]);
  });

  test.each([
    ["an enum name that does not exist", T("ContainerConfig"), { mounts: [{ propagation: "PROPAGATION_NONE" }] }, "PROPAGATION_NONE"],
    ["a number that is not one", T("StopContainerRequest"), { timeout: "soon" }, "not an integer"],
  ])("refuses %s", (_, type, req, message) => {
    expect(() => encodeMessage(criSchema(), type, req)).toThrow(message);
  });

  test("truncated input is an error, not a wrong value", () => {
    expect(() => decodeMessage(criSchema(), T("StopContainerRequest"), Buffer.from([0x0a, 0x05, 0x78]))).toThrow(RangeError);
  });
});
