import { describe, expect, test } from "bun:test";
import { LB_INGRESS_ANNOTATION } from "../../model/cluster-network.ts";
import type { LoadBalancerStatus } from "../../net/proxy/index.ts";
import { LoadBalancerReport, offeredIngress, PORT_IN_USE } from "./load-balancer-report.ts";

const status = (service: string, o: Partial<LoadBalancerStatus> = {}): LoadBalancerStatus => ({
  service, node: "n1", ingress: ["10.0.0.5"], bound: [], failed: [], externalTrafficLocal: false, hasLocalEndpoints: true, ...o,
});

function harness() {
  const patches: any[] = [];
  const events: string[] = [];
  const report = new LoadBalancerReport({
    nodeName: "n1",
    delayMs: 1,
    patchNode: async (p) => void patches.push(p),
    service: (key) => ({ apiVersion: "v1", kind: "Service", metadata: { namespace: key.split("/")[0], name: key.split("/")[1], uid: "u" } }),
    event: (obj, type, reason, message) => void events.push(`${type} ${reason} ${obj.metadata.name}: ${message}`),
  });
  const value = () => patches.at(-1)?.metadata.annotations[LB_INGRESS_ANNOTATION];
  return { report, patches, events, value };
}

describe("offeredIngress", () => {
  test.each([
    ["Cluster policy: every IP bound", status("a"), ["10.0.0.5"]],
    ["Local with a local endpoint", status("a", { externalTrafficLocal: true, hasLocalEndpoints: true }), ["10.0.0.5"]],
    ["Local without one: this node offers nothing", status("a", { externalTrafficLocal: true, hasLocalEndpoints: false }), []],
  ] as const)("%s", (_, s, want) => expect(offeredIngress(s)).toEqual([...want]));
});

describe("LoadBalancerReport", () => {
  test("nothing is written before the proxy is in sync; then one patch for many Services", async () => {
    const h = harness();
    h.report.update(status("ns/b"));
    h.report.update(status("ns/a", { ingress: ["10.0.0.5", "203.0.113.5"] }));
    await Bun.sleep(10);
    expect(h.patches).toEqual([]);
    h.report.begin();
    await Bun.sleep(10);
    expect(h.patches.length).toBe(1);
    expect(JSON.parse(h.value())).toEqual({ "ns/a": ["10.0.0.5", "203.0.113.5"], "ns/b": ["10.0.0.5"] });
  });

  test("a taken port: a PortInUse Warning once per new reason, and the node is left out", async () => {
    const h = harness();
    h.report.begin();
    const failed = status("ns/lb", { ingress: [], message: "port 80/TCP on 10.0.0.5: address already in use" });
    h.report.update(failed);
    h.report.update(failed);
    await h.report.flush();
    expect(h.events).toEqual([`Warning ${PORT_IN_USE} lb: Node n1 is left out of the load balancer: port 80/TCP on 10.0.0.5: address already in use`]);
    expect(h.value()).toBeNull();
    // freed: listed, and a later failure is told again
    h.report.update(status("ns/lb"));
    await h.report.flush();
    expect(JSON.parse(h.value())).toEqual({ "ns/lb": ["10.0.0.5"] });
    h.report.update(failed);
    expect(h.events.length).toBe(2);
  });

  test("a forgotten Service leaves the report; an unchanged report is not written again", async () => {
    const h = harness();
    h.report.begin();
    h.report.update(status("ns/a"));
    await h.report.flush();
    const n = h.patches.length;
    await h.report.flush();
    expect(h.patches.length).toBe(n);
    h.report.forget("ns/a");
    await h.report.flush();
    expect(h.value()).toBeNull();
  });
});
