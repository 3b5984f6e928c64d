import { describe, expect, test } from "bun:test";
import type { KubeObject } from "../../model/object.ts";
import { endpointsLabels, endpointSubsets } from "./subsets.ts";

function svc(spec: any = {}, labels?: Record<string, string>): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "web", namespace: "ns", ...(labels ? { labels } : {}) },
    spec: { clusterIP: "10.43.0.10", selector: { app: "web" }, ports: [{ name: "http", port: 80, targetPort: 8080, protocol: "TCP" }], ...spec },
  };
}

function pod(name: string, o: { ip?: string; ready?: boolean; phase?: string; deleting?: boolean; node?: string; ports?: any[]; hostname?: string; subdomain?: string } = {}): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "ns", uid: `uid-${name}`, labels: { app: "web" }, ...(o.deleting ? { deletionTimestamp: "2026-01-01T00:00:00Z" } : {}) },
    spec: {
      nodeName: o.node ?? "n1",
      containers: [{ name: "c", ports: o.ports ?? [] }],
      ...(o.hostname ? { hostname: o.hostname } : {}),
      ...(o.subdomain ? { subdomain: o.subdomain } : {}),
    },
    status: {
      phase: o.phase ?? "Running",
      ...(o.ip === "" ? {} : { podIP: o.ip ?? "10.42.0.2" }),
      conditions: [{ type: "Ready", status: o.ready === false ? "False" : "True" }],
    },
  };
}

const addr = (name: string, ip: string, node = "n1") => ({ ip, nodeName: node, targetRef: { kind: "Pod" as const, namespace: "ns", name, uid: `uid-${name}` } });
const http = { name: "http", port: 8080, protocol: "TCP" };

describe("endpointSubsets", () => {
  test("ready pods in addresses, not-ready in notReadyAddresses, sorted by IP, one subset per port set", () => {
    const pods = [pod("b", { ip: "10.42.0.10" }), pod("a", { ip: "10.42.0.9" }), pod("c", { ip: "10.42.0.3", ready: false })];
    expect(endpointSubsets(svc(), pods)).toEqual([
      { addresses: [addr("a", "10.42.0.9"), addr("b", "10.42.0.10")], notReadyAddresses: [addr("c", "10.42.0.3")], ports: [http] },
    ]);
  });

  test.each([
    ["no IP yet", pod("a", { ip: "" })],
    ["succeeded", pod("a", { phase: "Succeeded" })],
    ["failed", pod("a", { phase: "Failed" })],
    ["being deleted", pod("a", { deleting: true })],
  ])("skips a pod with %s", (_what, p) => {
    expect(endpointSubsets(svc(), [p])).toEqual([]);
  });

  test("publishNotReadyAddresses lists not-ready and terminating pods as addresses", () => {
    const pods = [pod("a", { ip: "10.42.0.2", ready: false }), pod("b", { ip: "10.42.0.3", deleting: true })];
    expect(endpointSubsets(svc({ publishNotReadyAddresses: true }), pods)).toEqual([
      { addresses: [addr("a", "10.42.0.2"), addr("b", "10.42.0.3")], ports: [http] },
    ]);
  });

  test("a named targetPort resolves per pod (same protocol); pods without it serve nothing on that port", () => {
    const s = svc({ ports: [{ name: "http", port: 80, targetPort: "web", protocol: "TCP" }, { port: 53, targetPort: 53, protocol: "UDP" }] });
    const pods = [
      pod("a", { ip: "10.42.0.2", ports: [{ name: "web", containerPort: 8080, protocol: "TCP" }] }),
      pod("b", { ip: "10.42.0.3", ports: [{ name: "web", containerPort: 9090, protocol: "TCP" }] }),
      pod("c", { ip: "10.42.0.4", ports: [{ name: "web", containerPort: 8080, protocol: "UDP" }] }),
    ];
    expect(endpointSubsets(s, pods)).toEqual([
      { addresses: [addr("a", "10.42.0.2")], ports: [{ port: 53, protocol: "UDP" }, { name: "http", port: 8080, protocol: "TCP" }] },
      { addresses: [addr("b", "10.42.0.3")], ports: [{ port: 53, protocol: "UDP" }, { name: "http", port: 9090, protocol: "TCP" }] },
      { addresses: [addr("c", "10.42.0.4")], ports: [{ port: 53, protocol: "UDP" }] },
    ]);
  });

  test("a pod with no resolvable port is left out", () => {
    const s = svc({ ports: [{ name: "http", port: 80, targetPort: "web", protocol: "TCP" }] });
    expect(endpointSubsets(s, [pod("a")])).toEqual([]);
  });

  test("a headless service without ports lists bare addresses; a ClusterIP one without ports lists none", () => {
    expect(endpointSubsets(svc({ clusterIP: "None", ports: [] }), [pod("a")])).toEqual([{ addresses: [addr("a", "10.42.0.2")] }]);
    expect(endpointSubsets(svc({ ports: [] }), [pod("a")])).toEqual([]);
  });

  test("hostname when the pod's subdomain is the service", () => {
    const [s] = endpointSubsets(svc(), [pod("a", { hostname: "h", subdomain: "web" }), pod("b", { ip: "10.42.0.3", hostname: "h2", subdomain: "other" })]);
    expect(s!.addresses!.map((a) => a.hostname)).toEqual(["h", undefined]);
  });

  test("appProtocol is carried over", () => {
    const [s] = endpointSubsets(svc({ ports: [{ name: "h2", port: 80, targetPort: 8080, protocol: "TCP", appProtocol: "kubernetes.io/h2c" }] }), [pod("a")]);
    expect(s!.ports).toEqual([{ name: "h2", port: 8080, protocol: "TCP", appProtocol: "kubernetes.io/h2c" }]);
  });

  test("the same input in another order gives the same result", () => {
    const pods = [pod("a", { ip: "10.42.0.2" }), pod("b", { ip: "10.42.0.3", ready: false }), pod("c", { ip: "10.42.1.1" })];
    expect(endpointSubsets(svc(), [...pods].reverse())).toEqual(endpointSubsets(svc(), pods));
  });
});

test("endpointsLabels: the service's labels, plus the headless marker when it has no cluster IP", () => {
  expect(endpointsLabels(svc({}, { app: "web" }))).toEqual({ app: "web" });
  expect(endpointsLabels(svc({ clusterIP: "None" }, { app: "web" }))).toEqual({ app: "web", "service.kubernetes.io/headless": "" });
});
