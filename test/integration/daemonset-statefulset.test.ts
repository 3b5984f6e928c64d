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
    // The pod GC and the DaemonSet controller both act on the node's deletion, in either order.
    await c.waitFor(async () => (await get(`/apis/apps/v1/namespaces/default/daemonsets/agent`)).status?.desiredNumberScheduled === 3, "desired back to 3");
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
    await c.waitFor(async () => (await get("/apis/apps/v1/namespaces/default/daemonsets/manual")).status.updatedNumberScheduled === 1, "one updated pod counted");
  }, 30_000);
});

const sts = (name: string, replicas: number, spec: any = {}) => ({
  apiVersion: "apps/v1",
  kind: "StatefulSet",
  metadata: { name },
  spec: {
    replicas,
    serviceName: name,
    selector: { matchLabels: { sts: name } },
    template: { metadata: { labels: { sts: name } }, spec: { containers: container("busybox:1") } },
    volumeClaimTemplates: [{ metadata: { name: "data" }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } } }],
    ...spec,
  },
});
const stsPath = (name: string) => `/apis/apps/v1/namespaces/default/statefulsets/${name}`;
const isReady = (p: any) => p.status?.phase === "Running" && (p.status?.conditions ?? []).some((c: any) => c.type === "Ready" && c.status === "True");

/** kubectl rollout status statefulset/x, RollingUpdate branch. */
async function stsRolledOut(name: string): Promise<any> {
  return c.waitFor(async () => {
    const s = await get(stsPath(name));
    const st = s.status ?? {};
    if (!st.observedGeneration || s.metadata.generation > st.observedGeneration) return undefined;
    if ((st.readyReplicas ?? 0) < s.spec.replicas) return undefined;
    const partition = s.spec.updateStrategy.rollingUpdate?.partition ?? 0;
    if (partition > 0) return (st.updatedReplicas ?? 0) >= s.spec.replicas - partition ? s : undefined;
    return st.updateRevision === st.currentRevision ? s : undefined;
  }, `statefulset ${name} rolled out`);
}

/** Pod watch events from now on, for checking the order things happened in. */
async function watchPods(selector: string) {
  const list = await c.json("GET", `/api/v1/namespaces/default/pods?labelSelector=${encodeURIComponent(selector)}`);
  const res = await c.request("GET", `/api/v1/namespaces/default/pods?watch=1&labelSelector=${encodeURIComponent(selector)}&resourceVersion=${list.body.metadata.resourceVersion}`);
  const seen: any[] = [];
  return { seen, until: (enough: (seen: any[]) => boolean) => readWatchEvents(res, (evs) => { seen.push(...evs.splice(0)); return enough(seen); }) };
}

describe("StatefulSet on hollow nodes", () => {
  test("OrderedReady: pods and claims created one by one, each after its predecessor is ready", async () => {
    const w = await watchPods("sts=web");
    expect((await c.json("POST", "/apis/apps/v1/namespaces/default/statefulsets", sts("web", 3))).status).toBe(201);
    await w.until((seen) => seen.some((e) => e.object.metadata.name === "web-2" && isReady(e.object)));
    const added = w.seen.filter((e) => e.type === "ADDED").map((e) => e.object.metadata.name);
    expect(added).toEqual(["web-0", "web-1", "web-2"]);
    for (const k of [1, 2]) {
      const created = w.seen.findIndex((e) => e.type === "ADDED" && e.object.metadata.name === `web-${k}`);
      const prevReady = w.seen.findIndex((e) => e.object.metadata.name === `web-${k - 1}` && isReady(e.object));
      expect(prevReady).toBeGreaterThanOrEqual(0);
      expect(prevReady).toBeLessThan(created);
    }
    const s = await stsRolledOut("web");
    expect(s.status).toMatchObject({ replicas: 3, readyReplicas: 3, availableReplicas: 3, currentReplicas: 3, updatedReplicas: 3, observedGeneration: 1 });
    expect(s.status.currentRevision).toBe(s.status.updateRevision);
    const web1 = await get("/api/v1/namespaces/default/pods/web-1");
    expect(web1.metadata.labels).toMatchObject({ "statefulset.kubernetes.io/pod-name": "web-1", "apps.kubernetes.io/pod-index": "1", "controller-revision-hash": s.status.updateRevision });
    expect(web1.spec).toMatchObject({ hostname: "web-1", subdomain: "web" });
    expect(web1.spec.volumes).toContainEqual({ name: "data", persistentVolumeClaim: { claimName: "data-web-1" } });
    const claims = (await get("/api/v1/namespaces/default/persistentvolumeclaims?labelSelector=sts%3Dweb")).items.map((p: any) => p.metadata.name).sort();
    expect(claims).toEqual(["data-web-0", "data-web-1", "data-web-2"]);
  }, 30_000);

  test("scale down removes the highest ordinals first, one at a time, and keeps the claims", async () => {
    const w = await watchPods("sts=web");
    await c.json("PATCH", `${stsPath("web")}/scale`, { spec: { replicas: 1 } }, MERGE);
    await w.until((seen) => seen.some((e) => e.type === "DELETED" && e.object.metadata.name === "web-1"));
    const marked = w.seen.filter((e) => e.object.metadata.deletionTimestamp || e.type === "DELETED").map((e) => e.object.metadata.name);
    expect([...new Set(marked)]).toEqual(["web-2", "web-1"]);
    // web-1 is marked for deletion only after web-2 is gone.
    const web2Gone = w.seen.findIndex((e) => e.type === "DELETED" && e.object.metadata.name === "web-2");
    const web1Marked = w.seen.findIndex((e) => e.object.metadata.name === "web-1" && e.object.metadata.deletionTimestamp);
    expect(web2Gone).toBeLessThan(web1Marked);
    await c.waitFor(async () => (await get(stsPath("web"))).status?.replicas === 1, "status counts one replica");
    const claims = (await get("/api/v1/namespaces/default/persistentvolumeclaims?labelSelector=sts%3Dweb")).items;
    expect(claims).toHaveLength(3);
  }, 30_000);

  test("partitioned rolling update: only ordinals at or above the partition, highest first; then the rest", async () => {
    await c.json("PATCH", stsPath("web"), { spec: { replicas: 3 } }, MERGE);
    const before = await stsRolledOut("web");
    const oldRevision = before.status.currentRevision;
    await c.json("PATCH", stsPath("web"), { spec: { updateStrategy: { rollingUpdate: { partition: 2 } }, template: { spec: { containers: container("busybox:2") } } } }, MERGE);
    const partial = await stsRolledOut("web");
    expect(partial.status).toMatchObject({ updatedReplicas: 1, currentReplicas: 2, currentRevision: oldRevision });
    expect(partial.status.updateRevision).not.toBe(oldRevision);
    const image = async (n: number) => (await get(`/api/v1/namespaces/default/pods/web-${n}`)).spec.containers[0].image;
    expect([await image(0), await image(1), await image(2)]).toEqual(["busybox:1", "busybox:1", "busybox:2"]);

    const w = await watchPods("sts=web");
    await c.json("PATCH", stsPath("web"), { spec: { updateStrategy: { rollingUpdate: { partition: 0 } } } }, MERGE);
    const done = await stsRolledOut("web");
    expect(done.status).toMatchObject({ replicas: 3, readyReplicas: 3, updatedReplicas: 3, currentReplicas: 3, currentRevision: partial.status.updateRevision });
    expect([await image(0), await image(1), await image(2)]).toEqual(["busybox:2", "busybox:2", "busybox:2"]);
    await w.until((seen) => seen.some((e) => e.object.metadata.name === "web-0" && e.object.spec.containers[0].image === "busybox:2" && isReady(e.object)));
    const deleted = [...new Set(w.seen.filter((e) => e.object.metadata.deletionTimestamp).map((e) => e.object.metadata.name))];
    expect(deleted).toEqual(["web-1", "web-0"]);
    const revs = (await get("/apis/apps/v1/namespaces/default/controllerrevisions?labelSelector=sts%3Dweb")).items;
    expect(revs.map((r: any) => r.revision).sort()).toEqual([1, 2]);
  }, 30_000);

  test("a failed pod is recreated under the same name", async () => {
    const old = await get("/api/v1/namespaces/default/pods/web-1");
    await c.json("PATCH", "/api/v1/namespaces/default/pods/web-1/status", { status: { phase: "Failed" } }, MERGE);
    await c.waitFor(async () => {
      const p = (await c.json("GET", "/api/v1/namespaces/default/pods/web-1")).body;
      return p.metadata?.uid && p.metadata.uid !== old.metadata.uid && isReady(p);
    }, "web-1 recreated");
    expect((await stsRolledOut("web")).status.readyReplicas).toBe(3);
  }, 30_000);

  test("Parallel with whenScaled=Delete: claims of scaled-away pods go with them", async () => {
    await c.json("POST", "/apis/apps/v1/namespaces/default/statefulsets", sts("db", 3, { podManagementPolicy: "Parallel", persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Delete" } }));
    await stsRolledOut("db");
    await c.json("PATCH", `${stsPath("db")}/scale`, { spec: { replicas: 1 } }, MERGE);
    await c.waitFor(async () => {
      const names = (await get("/api/v1/namespaces/default/persistentvolumeclaims?labelSelector=sts%3Ddb")).items.map((p: any) => p.metadata.name);
      return names.length === 1 && names[0] === "data-db-0";
    }, "claims of db-1 and db-2 deleted");
    expect((await stsRolledOut("db")).status.replicas).toBe(1);
  }, 30_000);
});
