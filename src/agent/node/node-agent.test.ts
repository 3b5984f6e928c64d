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

describe("NodeAgent's lease", () => {
  /** A lease store with resourceVersions, as the API keeps it, counting calls. */
  function leaseApi() {
    const { api } = existingNodeApi();
    const calls: string[] = [];
    let stored: KubeObject | undefined = { apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name: "n1", namespace: "kube-node-lease", resourceVersion: "1" }, spec: {} };
    let rv = 1;
    api.getLease = async () => {
      calls.push("get");
      if (!stored) throw errors.notFound("coordination.k8s.io", "leases", "n1");
      return structuredClone(stored);
    };
    api.updateLease = async (l: KubeObject) => {
      calls.push("update");
      if (!stored) throw errors.notFound("coordination.k8s.io", "leases", "n1");
      if (l.metadata.resourceVersion !== stored.metadata.resourceVersion) throw errors.conflict("coordination.k8s.io", "leases", "n1", "the object has been modified");
      stored = { ...l, metadata: { ...l.metadata, resourceVersion: String(++rv) } };
      return structuredClone(stored);
    };
    api.createLease = async (l: KubeObject) => {
      calls.push("create");
      stored = { ...l, metadata: { ...l.metadata, resourceVersion: String(++rv) } };
      return structuredClone(stored);
    };
    const touch = () => (stored = { ...stored!, metadata: { ...stored!.metadata, resourceVersion: String(++rv) } });
    const remove = () => (stored = undefined);
    return { api, calls, touch, remove, stored: () => stored };
  }

  test("renewals update the lease last written, reading it only first, after a conflict and when it is gone", async () => {
    const l = leaseApi();
    const stop = new AbortController();
    const runtime = new FakeRuntime();
    const agent = new NodeAgent({ api: l.api, facts, runtime, preparer: {} as any, pods, signal: stop.signal, leaseRenewMs: 3_600_000, statusCheckMs: 3_600_000 });
    const beat = () => (agent as any).renewLease() as Promise<void>;
    await beat();
    await beat();
    await beat();
    expect(l.calls).toEqual(["get", "update", "update", "update"]);
    // Someone else wrote it: the conflict sends the agent back to read it.
    l.calls.length = 0;
    l.touch();
    await beat();
    expect(l.calls).toEqual(["update", "get", "update"]);
    expect(l.stored()!.spec.holderIdentity).toBe("n1");
    // Deleted: made again.
    l.calls.length = 0;
    l.remove();
    await beat();
    expect(l.calls).toEqual(["update", "get", "create"]);
    await beat();
    expect(l.calls.slice(3)).toEqual(["update"]);
    stop.abort();
    runtime.close();
  });
});
