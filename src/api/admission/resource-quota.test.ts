import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { openSqliteStore } from "../../store/sqlite.ts";
import type { Store } from "../../store/types.ts";
import { ResourceRegistry } from "../resources/registry.ts";
import { ObjectStorage } from "../storage/object-storage.ts";
import { isStatusError, type StatusError } from "../../model/errors.ts";
import type { AdmissionPlugin } from "./types.ts";
import { ResourceQuotaAdmission } from "./resource-quota.ts";

let store: Store;
let storage: ObjectStorage;
let quota: ResourceQuotaAdmission;
const registry = new ResourceRegistry();
const podsDef = registry.find("", "v1", "pods")!;
const quotaDef = registry.find("", "v1", "resourcequotas")!;
const appsDef = registry.find("apps", "v1", "deployments")!;

function setup(after: AdmissionPlugin[] = []) {
  store = openSqliteStore({ path: ":memory:", durable: false });
  quota = new ResourceQuotaAdmission({ list: async (def, ns) => (await storage.list(def, ns)).items, quotaDef });
  storage = new ObjectStorage({ store, admission: [quota, ...after] });
}
beforeEach(() => setup());
afterEach(async () => {
  await store.close();
});

const pod = (name: string, requests?: Record<string, string>) => ({
  apiVersion: "v1", kind: "Pod", metadata: { name },
  spec: { containers: [{ name: "c", image: "busybox:1", ...(requests ? { resources: { requests } } : {}) }] },
});
const rq = (name: string, hard: Record<string, string>) => ({ apiVersion: "v1", kind: "ResourceQuota", metadata: { name }, spec: { hard } });

async function rejection(p: Promise<unknown>): Promise<StatusError> {
  try {
    await p;
  } catch (e) {
    if (isStatusError(e)) return e;
    throw e;
  }
  throw new Error("expected a rejection");
}

describe("ResourceQuota admission", () => {
  test("refuses the pod past the limit with Kubernetes' Forbidden", async () => {
    await storage.create(quotaDef, "ns", rq("quota", { pods: "2" }));
    await storage.create(podsDef, "ns", pod("a"));
    await storage.create(podsDef, "ns", pod("b"));
    const e = await rejection(storage.create(podsDef, "ns", pod("c")));
    expect(e.code).toBe(403);
    expect(e.reason).toBe("Forbidden");
    expect(e.message).toBe('pods "c" is forbidden: exceeded quota: quota, requested: pods=1, used: pods=2, limited: pods=2');
    expect(e.details).toEqual({ name: "c", kind: "pods", group: undefined });
    // another namespace is not limited
    await storage.create(podsDef, "other", pod("c"));
  });

  test("concurrent creates cannot both take the last unit", async () => {
    await storage.create(quotaDef, "ns", rq("quota", { pods: "3" }));
    const results = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => storage.create(podsDef, "ns", pod(`p${i}`))));
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(3);
    for (const r of results) if (r.status === "rejected") expect(r.reason.message).toContain("exceeded quota: quota, requested: pods=1, used: pods=3, limited: pods=3");
    expect(quota.pendingCount("ns")).toBeLessThanOrEqual(3);
  });

  test("a write that fails after admission gives its unit back", async () => {
    await storage.create(quotaDef, "ns", rq("quota", { pods: "1" }));
    await storage.create(podsDef, "ns", pod("a"));
    await storage.delete(podsDef, "ns", "a");
    // AlreadyExists from the store: released, so the next create still fits.
    await storage.create(podsDef, "ns", pod("b"));
    await rejection(storage.create(podsDef, "ns", pod("b")));
    await storage.delete(podsDef, "ns", "b");
    await storage.create(podsDef, "ns", pod("c"));
    expect(quota.pendingCount("ns")).toBeLessThanOrEqual(1);
  });

  test("a later admission plugin's refusal gives the unit back", async () => {
    let refuse = true;
    await store.close();
    setup([{ name: "Gate", admit: (req) => { if (refuse && req.def.kind === "Pod") throw new Error("no"); } }]);
    await storage.create(quotaDef, "ns", rq("quota", { pods: "1" }));
    await expect(storage.create(podsDef, "ns", pod("a"))).rejects.toThrow("no");
    expect(quota.pendingCount("ns")).toBe(0);
    refuse = false;
    await storage.create(podsDef, "ns", pod("a"));
  });

  test("dry runs are checked but take nothing", async () => {
    await storage.create(quotaDef, "ns", rq("quota", { pods: "1" }));
    await storage.create(podsDef, "ns", pod("a"), { dryRun: true });
    await storage.create(podsDef, "ns", pod("b"), { dryRun: true });
    await storage.create(podsDef, "ns", pod("c"));
    const e = await rejection(storage.create(podsDef, "ns", pod("d"), { dryRun: true }));
    expect(e.code).toBe(403);
  });

  test("compute quota requires requests and sums them", async () => {
    await storage.create(quotaDef, "ns", rq("compute", { "requests.cpu": "1" }));
    const e = await rejection(storage.create(podsDef, "ns", pod("none")));
    expect(e.message).toBe('pods "none" is forbidden: failed quota: compute: must specify requests.cpu for: c');
    await storage.create(podsDef, "ns", pod("a", { cpu: "600m" }));
    const over = await rejection(storage.create(podsDef, "ns", pod("b", { cpu: "500m" })));
    expect(over.message).toBe('pods "b" is forbidden: exceeded quota: compute, requested: requests.cpu=500m, used: requests.cpu=600m, limited: requests.cpu=1');
    await storage.create(podsDef, "ns", pod("c", { cpu: "400m" }));
  });

  test("object counts for other kinds, group-qualified in the message", async () => {
    await storage.create(quotaDef, "ns", rq("objects", { "count/deployments.apps": "1", resourcequotas: "2" }));
    const dep = (name: string) => ({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name }, spec: { selector: { matchLabels: { a: "b" } }, template: { metadata: { labels: { a: "b" } }, spec: { containers: [{ name: "c", image: "x:1" }] } } } });
    await storage.create(appsDef, "ns", dep("one"));
    const e = await rejection(storage.create(appsDef, "ns", dep("two")));
    expect(e.message).toBe('deployments.apps "two" is forbidden: exceeded quota: objects, requested: count/deployments.apps=1, used: count/deployments.apps=1, limited: count/deployments.apps=1');
    expect(e.details).toEqual({ name: "two", group: "apps", kind: "deployments" });
    await storage.create(quotaDef, "ns", rq("second", {}));
    const q = await rejection(storage.create(quotaDef, "ns", rq("third", {})));
    expect(q.message).toBe('resourcequotas "third" is forbidden: exceeded quota: objects, requested: resourcequotas=1, used: resourcequotas=2, limited: resourcequotas=2');
  });

  test("generated names are reported as generated", async () => {
    await storage.create(quotaDef, "ns", rq("quota", { pods: "0" }));
    const e = await rejection(storage.create(podsDef, "ns", { ...pod(""), metadata: { generateName: "web-" } }));
    expect(e.message).toMatch(/^pods "web-[a-z0-9]{5}" is forbidden: exceeded quota: quota/);
  });
});
