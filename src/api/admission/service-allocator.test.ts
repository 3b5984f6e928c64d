import { expect, test } from "bun:test";
import type { KubeObject } from "../../model/object.ts";
import { builtinResources } from "../resources/builtin.ts";
import { parseCidr, ServiceAllocator } from "./service-allocator.ts";
import { openSqliteStore } from "../../store/sqlite.ts";
import { ObjectStorage } from "../storage/object-storage.ts";

const services = builtinResources.find((d) => d.kind === "Service")!;
const svc = (name: string, spec: unknown) => ({ apiVersion: "v1", kind: "Service", metadata: { name, namespace: "default" }, spec }) as KubeObject;

test("services stored with wrong-typed fields hold nothing and never keep the allocator (the server) from starting", () => {
  const allocator = new ServiceAllocator(parseCidr("10.43.0.0/16"));
  expect(() => allocator.load([
    svc("ports-number", { clusterIP: "10.43.0.20", ports: 5 }),
    svc("ip-number", { clusterIP: 7, ports: [{ port: 80, nodePort: "x" }] }),
    svc("spec-string", "garbage"),
    svc("good", { clusterIP: "10.43.0.10", type: "NodePort", ports: [{ port: 80, nodePort: 30080 }] }),
  ])).not.toThrow();
  // What readable services hold is still taken.
  const taken = svc("again", { clusterIP: "10.43.0.10", ports: [{ port: 80 }] });
  expect(() => allocator.admit({ operation: "CREATE", def: services, object: taken, dryRun: false })).toThrow("provided IP is already allocated");
  const ports = svc("port-again", { type: "NodePort", ports: [{ port: 80, nodePort: 30080 }] });
  expect(() => allocator.admit({ operation: "CREATE", def: services, object: ports, dryRun: false })).toThrow();
});

test("through the write path: the NodePort a stored update gives up is free again (committed), one a refused update asked for is not taken", async () => {
  const store = openSqliteStore({ path: ":memory:", durable: false });
  try {
    const storage = new ObjectStorage({ store, admission: [new ServiceAllocator(parseCidr("10.43.0.0/16"))] });
    const nodePort = (name: string, port: number) => ({ ...svc(name, { type: "NodePort", ports: [{ port: 80, protocol: "TCP", nodePort: port }] }), metadata: { name } });
    const created = await storage.create(services, "default", nodePort("a", 30001));
    expect(created.spec.ports[0].nodePort).toBe(30001);
    await storage.update(services, "default", "a", (o) => ({ ...o, spec: { ...o.spec, ports: [{ port: 80, protocol: "TCP", nodePort: 30002 }] } }));
    // 30001 was let go when the update was stored.
    expect((await storage.create(services, "default", nodePort("b", 30001))).spec.ports[0].nodePort).toBe(30001);
    // A stale update asking for 30003 is refused (409) and leaves 30003 free.
    const stale = await storage.update(services, "default", "a", (o) => ({ ...o, metadata: { ...o.metadata, resourceVersion: "1" }, spec: { ...o.spec, ports: [{ port: 80, protocol: "TCP", nodePort: 30003 }] } })).catch((e) => e);
    expect(stale.code).toBe(409);
    expect((await storage.create(services, "default", nodePort("c", 30003))).spec.ports[0].nodePort).toBe(30003);
    // 30002 is still held by a.
    const taken = await storage.create(services, "default", nodePort("d", 30002)).catch((e) => e);
    expect([taken.code, taken.message]).toEqual([422, expect.stringContaining("provided port is already allocated")]);
  } finally {
    await store.close();
  }
});
