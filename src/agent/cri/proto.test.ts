import { describe, expect, test } from "bun:test";
import { criRoot, criServices } from "./proto.ts";

describe("CRI proto", () => {
  test("offers every call the agent makes", () => {
    const s = criServices();
    expect(Object.keys(s.RuntimeService.service).sort()).toEqual(
      [
        "Attach", "ContainerStats", "ContainerStatus", "CreateContainer", "Exec", "ExecSync",
        "ListContainerStats", "ListContainers", "ListPodSandbox", "ListPodSandboxStats", "PodSandboxStats",
        "PodSandboxStatus", "PortForward", "RemoveContainer", "RemovePodSandbox", "ReopenContainerLog",
        "RunPodSandbox", "StartContainer", "Status", "StopContainer", "StopPodSandbox",
        "UpdateContainerResources", "Version",
      ].sort(),
    );
    expect(Object.keys(s.ImageService.service).sort()).toEqual(
      ["ImageFsInfo", "ImageStatus", "ListImages", "PullImage", "RemoveImage"],
    );
    expect(s.RuntimeService.service.Version!.path).toBe("/runtime.v1.RuntimeService/Version");
  });

  test("keeps upstream field numbers where fields were added out of order", () => {
    const root = criRoot();
    const field = (type: string, name: string) => root.lookupType(`runtime.v1.${type}`).fields[name]!.id;
    expect(field("LinuxSandboxSecurityContext", "runAsGroup")).toBe(8);
    expect(field("LinuxContainerSecurityContext", "runAsGroup")).toBe(12);
    expect(field("LinuxContainerSecurityContext", "apparmor")).toBe(16);
    expect(field("ContainerConfig", "CDIDevices")).toBe(17);
    expect(field("Namespace", "options")).toBe(2);
    expect(field("AttachRequest", "tty")).toBe(3);
    expect(field("ExecRequest", "tty")).toBe(3);
    expect(field("ExecRequest", "stdin")).toBe(4);
  });

  test("round-trips camelCase fields, int64 as strings and enums as names", () => {
    const m = criServices().RuntimeService.service.ListContainers!;
    const bytes = m.responseSerialize({
      containers: [{ id: "c1", podSandboxId: "s1", state: "CONTAINER_EXITED", createdAt: "1700000000123456789", labels: { a: "b" } }],
    });
    const back = m.responseDeserialize(bytes) as any;
    expect(back.containers[0]).toMatchObject({
      id: "c1",
      podSandboxId: "s1",
      state: "CONTAINER_EXITED",
      createdAt: "1700000000123456789",
      labels: { a: "b" },
      imageRef: "",
    });
  });

  test("decodes the wire bytes another CRI client would send", () => {
    // StopContainerRequest{container_id: "x", timeout: 30}: field 1 string, field 2 varint.
    const req = criServices().RuntimeService.service.StopContainer!.requestDeserialize(
      Buffer.from([0x0a, 0x01, 0x78, 0x10, 0x1e]),
    ) as any;
    expect(req).toEqual({ containerId: "x", timeout: "30" });
  });
});
