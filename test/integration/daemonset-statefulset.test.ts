import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startHollowCluster, type HollowCluster } from "../helpers/hollow-cluster.ts";
import { readWatchEvents } from "../helpers/watch-events.ts";

let c: HollowCluster;
beforeAll(async () => {
  c = await startHollowCluster({ nodes: 3, prefix: "dss" });
});
afterAll(async () => {
  await c?.close();
});

const MERGE = { headers: { "content-type": "application/merge-patch+json" } };
const container = (image: string) => [{ name: "c", image, command: ["sh", "-c", "sleep 3600"] }];

async function pods(selector: string): Promise<any[]> {
  const items = (await c.json("GET", `/api/v1/namespaces/default/pods?labelSelector=${encodeURIComponent(selector)}`)).body.items as any[];
  return items.filter((p) => !p.metadata.deletionTimestamp);
}
const get = async (path: string) => (await c.json("GET", path)).body;
const patchNode = (name: string, body: unknown) => c.json("PATCH", `/api/v1/nodes/${name}`, body, MERGE);
/** The node a pod is bound to, or pinned to by its matchFields affinity while unbound. */
const nodeOf = (p: any) => p.spec.nodeName ?? p.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchFields[0].values[0];

const ds = (name: string, spec: any = {}) => ({
  apiVersion: "apps/v1",
  kind: "DaemonSet",
  metadata: { name },
  spec: { selector: { matchLabels: { ds: name } }, template: { metadata: { labels: { ds: name } }, spec: { containers: container("busybox:1"), ...spec } } },
});

/** kubectl rollout status daemonset/x: done when observed, all updated and all available. */
async function dsRolledOut(name: string): Promise<any> {
  return c.waitFor(async () => {
    const d = await get(`/apis/apps/v1/namespaces/default/daemonsets/${name}`);
    const s = d.status ?? {};
    const done = d.metadata.generation <= (s.observedGeneration ?? 0) && (s.updatedNumberScheduled ?? 0) >= s.desiredNumberScheduled && (s.numberAvailable ?? 0) >= s.desiredNumberScheduled;
    return done ? d : undefined;
  }, `daemon set ${name} rolled out`);
}

describe("DaemonSet on hollow nodes", () => {
  test("one running pod on every node, pinned by node affinity and bound by the scheduler", async () => {
    expect((await c.json("POST", "/apis/apps/v1/namespaces/default/daemonsets", ds("agent"))).status).toBe(201);
    const d = await dsRolledOut("agent");
    expect(d.status).toMatchObject({ desiredNumberScheduled: 3, currentNumberScheduled: 3, numberReady: 3, numberAvailable: 3, updatedNumberScheduled: 3, numberMisscheduled: 0, observedGeneration: 1 });
    const ps = await pods("ds=agent");
    expect(ps.map((p) => p.spec.nodeName).sort()).toEqual([...c.nodeNames].sort());
    for (const p of ps) {
      expect(nodeOf({ spec: { affinity: p.spec.affinity } })).toBe(p.spec.nodeName);
      expect(p.spec.tolerations).toContainEqual({ key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute" });
      expect(p.status.phase).toBe("Running");
    }
    const revs = (await get("/apis/apps/v1/namespaces/default/controllerrevisions?labelSelector=ds%3Dagent")).items;
    expect(revs).toHaveLength(1);
    expect(revs[0].revision).toBe(1);
    expect(ps.every((p) => p.metadata.labels["controller-revision-hash"] === revs[0].metadata.labels["controller-revision-hash"])).toBe(true);
  }, 30_000);

  test("a node added later gets a pod; a node removed loses it", async () => {
    const [added] = await c.addNodes(1, "dssx");
    await c.waitFor(async () => (await pods("ds=agent")).some((p) => p.spec.nodeName === added && p.status.phase === "Running"), "pod on the new node");
    expect((await dsRolledOut("agent")).status.desiredNumberScheduled).toBe(4);
    c.stopNodes("dssx");
    await c.json("DELETE", `/api/v1/nodes/${added}`);
    await c.waitFor(async () => !(await pods("ds=agent")).some((p) => nodeOf(p) === added), "pod gone with its node");
    expect((await dsRolledOut("agent")).status.desiredNumberScheduled).toBe(3);
  }, 30_000);

  test("nodeSelector: pods follow the label onto and off nodes", async () => {
    const [n0, n1] = c.nodeNames;
    await patchNode(n0!, { metadata: { labels: { role: "edge" } } });
    await c.json("POST", "/apis/apps/v1/namespaces/default/daemonsets", ds("edge", { nodeSelector: { role: "edge" } }));
    await c.waitFor(async () => (await get("/apis/apps/v1/namespaces/default/daemonsets/edge")).status?.numberReady === 1, "edge on one node");
    expect((await pods("ds=edge")).map(nodeOf)).toEqual([n0]);
    await patchNode(n1!, { metadata: { labels: { role: "edge" } } });
    await patchNode(n0!, { metadata: { labels: { role: null } } });
    await c.waitFor(async () => {
      const on = (await pods("ds=edge")).map(nodeOf);
      return on.length === 1 && on[0] === n1;
    }, "edge moved to the other node");
    expect((await dsRolledOut("edge")).status).toMatchObject({ desiredNumberScheduled: 1, numberMisscheduled: 0 });
  }, 30_000);

  test("taints keep out pods that do not tolerate them", async () => {
    const tainted = c.nodeNames[2]!;
    await patchNode(tainted, { spec: { taints: [{ key: "dedicated", value: "db", effect: "NoSchedule" }] } });
    await c.json("POST", "/apis/apps/v1/namespaces/default/daemonsets", ds("plain"));
    await c.json("POST", "/apis/apps/v1/namespaces/default/daemonsets", ds("tolerant", { tolerations: [{ key: "dedicated", operator: "Equal", value: "db", effect: "NoSchedule" }] }));
    expect((await dsRolledOut("tolerant")).status.desiredNumberScheduled).toBe(3);
    expect((await dsRolledOut("plain")).status.desiredNumberScheduled).toBe(2);
    expect((await pods("ds=plain")).map(nodeOf)).not.toContain(tainted);
    expect((await pods("ds=tolerant")).map(nodeOf)).toContain(tainted);
    // NoSchedule leaves a running daemon pod alone; NoExecute evicts it.
    expect((await pods("ds=agent")).map(nodeOf)).toContain(tainted);
    await patchNode(tainted, { spec: { taints: [{ key: "dedicated", value: "db", effect: "NoExecute" }] } });
    await c.waitFor(async () => !(await pods("ds=agent")).some((p) => nodeOf(p) === tainted), "agent pod evicted by NoExecute");
    await patchNode(tainted, { spec: { taints: null } });
    await c.waitFor(async () => (await pods("ds=agent")).some((p) => nodeOf(p) === tainted), "agent pod back once the taint is gone");
  }, 30_000);

  test("a template change rolls out node by node with a new revision; rollout status terminates", async () => {
    await dsRolledOut("agent");
    const before = new Set((await pods("ds=agent")).map((p) => p.metadata.name));
    await c.json("PATCH", "/apis/apps/v1/namespaces/default/daemonsets/agent", { spec: { template: { spec: { containers: container("busybox:2") } } } }, MERGE);
    const d = await dsRolledOut("agent");
    expect(d.status).toMatchObject({ observedGeneration: 2, desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 3 });
    const ps = await c.waitFor(async () => {
      const now = await pods("ds=agent");
      return now.length === 3 && now.every((p) => p.spec.containers[0].image === "busybox:2") ? now : undefined;
    }, "all pods on the new image");
    expect(ps.some((p) => before.has(p.metadata.name))).toBe(false);
    const revs = (await get("/apis/apps/v1/namespaces/default/controllerrevisions?labelSelector=ds%3Dagent")).items;
    expect(revs.map((r: any) => r.revision).sort()).toEqual([1, 2]);
    const newest = revs.find((r: any) => r.revision === 2);
    expect(newest.data.spec.template.spec.containers[0].image).toBe("busybox:2");
    expect(ps.every((p) => p.metadata.labels["controller-revision-hash"] === newest.metadata.labels["controller-revision-hash"])).toBe(true);
  }, 30_000);

  test("maxSurge starts the new pod before the old one goes", async () => {
    await c.json("POST", "/apis/apps/v1/namespaces/default/daemonsets", { ...ds("surge"), spec: { ...ds("surge").spec, updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } } } });
    await dsRolledOut("surge");
    const list = await c.json("GET", "/api/v1/namespaces/default/pods?labelSelector=ds%3Dsurge");
    const watch = await c.request("GET", `/api/v1/namespaces/default/pods?watch=1&labelSelector=ds%3Dsurge&resourceVersion=${list.body.metadata.resourceVersion}`);
    await c.json("PATCH", "/apis/apps/v1/namespaces/default/daemonsets/surge", { spec: { template: { spec: { containers: container("busybox:3") } } } }, MERGE);
    // Replay the pod events: at some point a node must hold its old pod and the new one, both not terminating.
    const live = new Map<string, any>(list.body.items.map((p: any) => [p.metadata.name, p]));
    let mostOnANode = 0;
    const oldGone = (events: any[]) => {
      for (const ev of events.splice(0)) {
        if (ev.type === "DELETED" || ev.object.metadata.deletionTimestamp) live.delete(ev.object.metadata.name);
        else live.set(ev.object.metadata.name, ev.object);
        const perNode = new Map<string, number>();
        for (const p of live.values()) perNode.set(nodeOf(p), (perNode.get(nodeOf(p)) ?? 0) + 1);
        mostOnANode = Math.max(mostOnANode, ...perNode.values());
      }
      return live.size === 3 && [...live.values()].every((p) => p.spec.containers[0].image === "busybox:3");
    };
    await readWatchEvents(watch, oldGone);
    expect(mostOnANode).toBe(2);
    expect((await dsRolledOut("surge")).status).toMatchObject({ observedGeneration: 2, updatedNumberScheduled: 3, numberAvailable: 3 });
  }, 30_000);

  test("OnDelete replaces a pod with the new template only when it is deleted", async () => {
    await c.json("POST", "/apis/apps/v1/namespaces/default/daemonsets", { ...ds("manual"), spec: { ...ds("manual").spec, updateStrategy: { type: "OnDelete" } } });
    await c.waitFor(async () => (await get("/apis/apps/v1/namespaces/default/daemonsets/manual")).status?.numberReady === 3, "manual ready");
    await c.json("PATCH", "/apis/apps/v1/namespaces/default/daemonsets/manual", { spec: { template: { spec: { containers: container("busybox:4") } } } }, MERGE);
    await c.waitFor(async () => (await get("/apis/apps/v1/namespaces/default/daemonsets/manual")).status?.observedGeneration === 2, "observed");
    const [victim, ...rest] = await pods("ds=manual");
    expect([victim, ...rest].every((p) => p.spec.containers[0].image === "busybox:1")).toBe(true);
    await c.json("DELETE", `/api/v1/namespaces/default/pods/${victim.metadata.name}`);
    await c.waitFor(async () => (await pods("ds=manual")).some((p) => nodeOf(p) === nodeOf(victim) && p.spec.containers[0].image === "busybox:4"), "replacement on the new template");
    const after = await pods("ds=manual");
    expect(after.filter((p) => p.spec.containers[0].image === "busybox:1")).toHaveLength(2);
    expect((await get("/apis/apps/v1/namespaces/default/daemonsets/manual")).status.updatedNumberScheduled).toBe(1);
  }, 30_000);
});
