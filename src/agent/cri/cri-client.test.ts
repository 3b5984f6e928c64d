import { afterEach, describe, expect, test } from "bun:test";
import * as grpc from "@grpc/grpc-js";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CriClient, CriError, defaultTimeoutMs, grpcTarget, isCriError } from "./cri-client.ts";
import { criGrpcServices as criServices } from "../../../test/helpers/cri-grpc.ts";

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function tempSocket(): string {
  const dir = mkdtempSync(join(tmpdir(), "k3rs-cri-client-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, "cri.sock");
}

/** A CRI server answering Version, ListPodSandbox and ImageFsInfo, NOT_FOUND for ContainerStatus, never for StartContainer. */
async function fakeRuntime(socket: string, name = "fake"): Promise<{ calls: string[]; stop(): Promise<void> }> {
  const calls: string[] = [];
  const server = new grpc.Server();
  const { RuntimeService, ImageService } = criServices();
  server.addService(RuntimeService.service, {
    Version: (call: any, cb: any) => {
      calls.push("Version");
      cb(null, { version: "0.1.0", runtimeName: name, runtimeVersion: "1", runtimeApiVersion: "v1" });
    },
    ListPodSandbox: (call: any, cb: any) => {
      calls.push(`ListPodSandbox ${JSON.stringify(call.request.filter?.labelSelector ?? {})}`);
      cb(null, { items: [{ id: "s1", state: "SANDBOX_READY", createdAt: "1700000000123456789" }] });
    },
    ContainerStatus: (call: any, cb: any) => {
      calls.push("ContainerStatus");
      cb({ code: grpc.status.NOT_FOUND, details: `container "${call.request.containerId}" not found` });
    },
    StartContainer: () => calls.push("StartContainer (never answered)"),
  });
  server.addService(ImageService.service, {
    ImageFsInfo: (_call: any, cb: any) => {
      calls.push("ImageFsInfo");
      cb(null, { imageFilesystems: [{ timestamp: "1", fsId: { mountpoint: "/x" }, usedBytes: { value: "42" } }] });
    },
  });
  await new Promise<void>((resolve, reject) =>
    server.bindAsync(`unix://${socket}`, grpc.ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())),
  );
  const stop = () => new Promise<void>((resolve) => { server.forceShutdown(); resolve(); });
  cleanups.push(stop);
  return { calls, stop };
}

function client(endpoint: string): CriClient {
  const c = new CriClient(endpoint);
  cleanups.push(() => c.close());
  return c;
}

describe("CriClient", () => {
  test("calls both services over one socket, camelCase in and out, int64 as strings", async () => {
    const socket = tempSocket();
    const runtime = await fakeRuntime(socket);
    const cri = client(`unix://${socket}`);
    const sandboxes = await cri.call("RuntimeService", "ListPodSandbox", { filter: { labelSelector: { app: "web" } } });
    expect(sandboxes.items).toEqual([expect.objectContaining({ id: "s1", state: "SANDBOX_READY", createdAt: "1700000000123456789" })]);
    const fs = await cri.call("ImageService", "ImageFsInfo", {});
    expect(fs.imageFilesystems[0].usedBytes.value).toBe("42");
    expect(runtime.calls).toEqual(['ListPodSandbox {"app":"web"}', "ImageFsInfo"]);
  });

  test("turns a gRPC status into a CriError with the code name, the method and the cause", async () => {
    const socket = tempSocket();
    await fakeRuntime(socket);
    const err = await client(socket).call("RuntimeService", "ContainerStatus", { containerId: "c9" }).catch((e) => e);
    expect(err).toBeInstanceOf(CriError);
    expect(err.code).toBe("NOT_FOUND");
    expect(err.method).toBe("ContainerStatus");
    expect(err.message).toContain("ContainerStatus");
    expect(err.message).toContain('container "c9" not found');
    expect(err.cause).toBeDefined();
    expect(isCriError(err, "NOT_FOUND")).toBe(true);
    expect(isCriError(err, "UNAVAILABLE")).toBe(false);
  });

  test("an unimplemented method and a method this client does not know are told apart by code", async () => {
    const socket = tempSocket();
    await fakeRuntime(socket);
    const cri = client(socket);
    const unimplemented = await cri.call("RuntimeService", "Status", {}).catch((e) => e);
    expect(unimplemented.code).toBe("UNIMPLEMENTED");
    const unknown = await cri.call("RuntimeService", "NoSuchCall", {}).catch((e) => e);
    expect(unknown).toBeInstanceOf(CriError);
    expect(unknown.code).toBe("UNIMPLEMENTED");
    expect(unknown.message).toContain("NoSuchCall");
  });

  test("nothing listening: UNAVAILABLE", async () => {
    const err = await client(tempSocket()).call("RuntimeService", "Version", {}).catch((e) => e);
    expect(err).toBeInstanceOf(CriError);
    expect(err.code).toBe("UNAVAILABLE");
  });

  test("waitReady waits for a runtime that starts listening later", async () => {
    const socket = tempSocket();
    const cri = client(socket);
    const ready = cri.waitReady(60_000);
    await Bun.sleep(100);
    const runtime = await fakeRuntime(socket);
    const version = await ready;
    expect(version.runtimeName).toBe("fake");
    expect(runtime.calls).toContain("Version");
  });

  test("waitReady gives up with UNAVAILABLE when the time is up", async () => {
    const err = await client(tempSocket()).waitReady(50).catch((e) => e);
    expect(err).toBeInstanceOf(CriError);
    expect(err.code).toBe("UNAVAILABLE");
  });

  test("a call past its deadline fails with DEADLINE_EXCEEDED and the session serves the next call", async () => {
    const socket = tempSocket();
    const runtime = await fakeRuntime(socket);
    const cri = client(socket);
    const err = await cri.call("RuntimeService", "StartContainer", { containerId: "c1" }, { timeoutMs: 100 }).catch((e) => e);
    expect(err).toBeInstanceOf(CriError);
    expect(err.code).toBe("DEADLINE_EXCEEDED");
    expect(runtime.calls).toEqual(["StartContainer (never answered)"]);
    expect((await cri.call("RuntimeService", "Version", {})).runtimeName).toBe("fake");
  });

  test("after the runtime restarts on the same socket, the next call reaches the new one", async () => {
    const socket = tempSocket();
    const first = await fakeRuntime(socket, "first");
    const cri = client(socket);
    expect((await cri.call("RuntimeService", "Version", {})).runtimeName).toBe("first");
    await first.stop();
    const down = await cri.call("RuntimeService", "Version", {}).catch((e) => e);
    expect(down.code).toBe("UNAVAILABLE");
    await fakeRuntime(socket, "second");
    expect((await cri.call("RuntimeService", "Version", {})).runtimeName).toBe("second");
  });

  test("concurrent calls on one client are each answered", async () => {
    const socket = tempSocket();
    const runtime = await fakeRuntime(socket);
    const cri = client(socket);
    const all = await Promise.all(Array.from({ length: 20 }, () => cri.call("RuntimeService", "Version", {})));
    expect(all.map((v) => v.runtimeName)).toEqual(Array(20).fill("fake"));
    expect(runtime.calls.length).toBe(20);
  });

  test("a closed client refuses calls", async () => {
    const cri = client(tempSocket());
    cri.close();
    const err = await cri.call("RuntimeService", "Version", {}).catch((e) => e);
    expect(err.code).toBe("CANCELLED");
  });
});

test.each([
  ["Version", {}, 30_000],
  ["ListContainers", {}, 30_000],
  ["PullImage", {}, 120_000],
  ["RunPodSandbox", {}, 120_000],
  ["StopContainer", { timeout: "30" }, 120_000],
  ["StopContainer", { timeout: "300" }, 330_000],
  ["ExecSync", { timeout: "0" }, 30_000],
  ["ExecSync", { timeout: 10 }, 40_000],
] as const)("default deadline of %s %j is %d ms", (method, request, ms) => {
  expect(defaultTimeoutMs(method, request)).toBe(ms);
});

test.each([
  ["unix:///run/c.sock", "unix:///run/c.sock"],
  ["/run/c.sock", "unix:///run/c.sock"],
  ["unix:/run/c.sock", "unix:/run/c.sock"],
])("endpoint %s dials %s", (endpoint, target) => {
  expect(grpcTarget(endpoint)).toBe(target);
});
