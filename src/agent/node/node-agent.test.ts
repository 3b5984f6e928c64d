import { describe, expect, test } from "bun:test";
import { errors } from "../../model/errors.ts";
import type { KubeObject } from "../../model/object.ts";
import { NodeAgent } from "./node-agent.ts";
import { NodeSetupError } from "./node-setup-error.ts";
import { FakeRuntime } from "../runtime/fake.ts";
import type { NodeFacts } from "./node-object.ts";

const facts: NodeFacts = {
  name: "n1", hostname: "n1", internalIP: "192.0.2.5", isServer: false, labels: {}, taints: [],
  capacity: { cpu: "2", memory: "4Gi", pods: "110" }, arch: "amd64", os: "linux", kernelVersion: "6", osImage: "Debian", machineID: "m", bootID: "b",
  containerRuntimeVersion: "fake://1",
};

/** An API where node n1 exists already with its podCIDR (a restarted agent), counting calls. */
function existingNodeApi() {
  const node: KubeObject = { apiVersion: "v1", kind: "Node", metadata: { name: "n1", uid: "u1" }, spec: { podCIDR: "10.42.7.0/24" }, status: {} };
  const calls: string[] = [];
  const api = {
    createNode: async () => {
      calls.push("createNode");
      throw errors.alreadyExists("", "nodes", "n1");
    },
    patchNode: async () => (calls.push("patchNode"), node),
    getNode: async () => node,
    getLease: async () => ({ metadata: { name: "n1", namespace: "kube-node-lease" }, spec: {} }),
    updateLease: async (l: KubeObject) => l,
    createLease: async (l: KubeObject) => l,
    event: async () => undefined,
  };
  return { api: api as any, calls };
}

const pods = { subscribe: () => () => undefined };

describe("NodeAgent and the pod network", () => {
  test("a Node registered before with its podCIDR still has its pod network set up", async () => {
    const { api } = existingNodeApi();
    const set: string[] = [];
    const stop = new AbortController();
    const runtime = Object.assign(new FakeRuntime(), { setPodCidr: async (c: string) => void set.push(c) });
    const agent = new NodeAgent({ api, facts, runtime, preparer: {} as any, pods, signal: stop.signal, leaseRenewMs: 60_000, statusCheckMs: 60_000 });
    await agent.start();
    expect(set).toEqual(["10.42.7.0/24"]);
    stop.abort();
    runtime.close();
  });

  test("a pod network that cannot work (a stale interface) stops registration at once, no retries", async () => {
    const { api, calls } = existingNodeApi();
    const stop = new AbortController();
    const runtime = Object.assign(new FakeRuntime(), {
      setPodCidr: async () => {
        throw new NodeSetupError("interface old0 already holds 10.42.7.1/24");
      },
    });
    const agent = new NodeAgent({ api, facts, runtime, preparer: {} as any, pods, signal: stop.signal });
    await expect(agent.start()).rejects.toThrow("interface old0 already holds 10.42.7.1/24");
    expect(calls.filter((c) => c === "createNode")).toEqual(["createNode"]);
    stop.abort();
    runtime.close();
  });
});
