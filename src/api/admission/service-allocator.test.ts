import { expect, test } from "bun:test";
import type { KubeObject } from "../../model/object.ts";
import { builtinResources } from "../resources/builtin.ts";
import { parseCidr, ServiceAllocator } from "./service-allocator.ts";

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
