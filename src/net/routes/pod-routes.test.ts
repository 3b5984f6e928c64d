import { expect, test } from "bun:test";
import { PodRoutes, routesConfig } from "./pod-routes.ts";
import type { NetResult, NetRunner } from "../net-runner.ts";
import { StaleInterfaceError } from "./stale-interface.ts";
import { routedNode } from "./test-nodes.ts";

/** A runner that answers reads from `reads` (by command line), records every call, and fails the writes `failing` matches. */
function fakeRunner(reads: Record<string, string>, failing?: RegExp): { run: NetRunner; calls: string[] } {
  const calls: string[] = [];
  const run: NetRunner = async (tool, args) => {
    const line = `${tool} ${args.join(" ")}`;
    calls.push(line);
    const ok = (stdout = ""): NetResult => ({ code: 0, stdout, stderr: "" });
    if (line in reads) return ok(reads[line]);
    if (args.includes("show")) return { code: 1, stdout: "", stderr: "Cannot find device" };
    if (failing?.test(line)) return { code: 2, stdout: "", stderr: "Error: Nexthop has invalid gateway." };
    return ok();
  };
  return { run, calls };
}

const writes = (calls: string[]) => calls.filter((c) => !/ show( |$)/.test(c));
const base = { nodeName: "a", nodeIP: "172.31.0.1", podCIDR: "10.42.0.0/24", bridge: "k3rs0" };

test("start installs the unreachable routes first, then refuses a stale bridge before touching anything else", async () => {
  const addrs = JSON.stringify([{ ifname: "k3rs5e1f00d0", addr_info: [{ family: "inet", local: "10.42.0.1", prefixlen: 24 }] }]);
  const { run, calls } = fakeRunner({ "ip -N -j route show table main": "[]", "ip -j addr show": addrs });
  const routes = new PodRoutes({ ...base, run });
  const err = await routes.start().catch((e) => e);
  expect(err).toBeInstanceOf(StaleInterfaceError);
  expect(err).toMatchObject({ device: "k3rs5e1f00d0", fix: "ip link delete k3rs5e1f00d0" });
  expect(writes(calls)).toEqual(["ip route replace unreachable 10.42.0.0/16 proto 151", "ip route replace unreachable 10.43.0.0/16 proto 151"]);
  await expect(routes.sync([])).rejects.toThrow("sync before start");
});

test("a change that fails is reported and the others still go in", async () => {
  const { run, calls } = fakeRunner({ "ip -N -j route show table main": "[]", "ip -j addr show": "[]" }, /route replace 10\.42\.1\.0/);
  const routes = new PodRoutes({ ...base, backend: "host-gw", run });
  await routes.start();
  const nodes = [routedNode("a", { podCIDR: "10.42.0.0/24", ip: "172.31.0.1" }), routedNode("b", { podCIDR: "10.42.1.0/24", ip: "172.31.9.2" }), routedNode("c", { podCIDR: "10.42.2.0/24", ip: "172.31.0.3" }), routedNode("d")];
  const r = await routes.sync(nodes);
  expect(r.failed.map((f) => [f.change, f.error.message])).toEqual([
    [{ op: "route-replace", route: { dst: "10.42.1.0/24", type: "unicast", gateway: "172.31.9.2" } }, "ip route replace 10.42.1.0/24 via 172.31.9.2 proto 151: exit 2: Error: Nexthop has invalid gateway."],
  ]);
  expect(r.applied.map((c) => c.op === "route-replace" && c.route.dst)).toEqual(["10.42.0.0/16", "10.43.0.0/16", "10.42.2.0/24"]);
  expect(r.skipped).toEqual([{ name: "d", reason: "no podCIDR yet" }]);
  expect(routes.ownNodeAnnotations()).toEqual({ "k3rs.io/vtep-mac": null });
  expect(calls).not.toContain("ip link add");
});

test.each([
  [{ backend: "udp" as never }, "unknown backend"],
  [{ bridge: "" }, "bridge name is required"],
  [{ nodeIP: "node-a" }, "is not an IPv4 address"],
  [{ podCIDR: "10.42.0.1/24" }, "is not an IPv4 network"],
  [{ podCIDR: "10.99.0.0/24" }, "outside the cluster CIDR"],
  [{ vxlan: { device: "a-name-far-too-long" } }, "not a Linux interface name"],
])("a bad option stops the agent: %j", (o, message) => {
  expect(() => routesConfig({ ...base, ...o })).toThrow(message);
});
