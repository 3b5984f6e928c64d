/**
 * Pod priority: PriorityClasses served with Kubernetes' validation, the system classes kept,
 * the Priority admission plugin giving each new pod its class's priority, and the scheduler
 * deciding pending pods of higher priority first.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { nodeClientOf, startTestApi, type TestApi } from "../helpers/api-harness.ts";
import { waitFor } from "../helpers/wait-for.ts";

const PC = "/apis/scheduling.k8s.io/v1/priorityclasses";
const NS = "/api/v1/namespaces/default";
let api: TestApi;

beforeAll(async () => {
  api = await startTestApi();
});
afterAll(async () => {
  await api?.close();
});

const cls = (name: string, value: number, extra: object = {}) => ({ apiVersion: "scheduling.k8s.io/v1", kind: "PriorityClass", metadata: { name }, value, ...extra });
const pod = (name: string, spec: object = {}) => ({ apiVersion: "v1", kind: "Pod", metadata: { name }, spec: { containers: [{ name: "c", image: "busybox" }], ...spec } });


describe("PriorityClasses", () => {
  test("the system classes are there from the start and cannot be deleted", async () => {
    const list = await api.json("GET", PC);
    expect(list.status).toBe(200);
    const byName = Object.fromEntries(list.body.items.map((c: any) => [c.metadata.name, [c.value, c.preemptionPolicy, c.globalDefault ?? false]]));
    expect(byName).toEqual({ "system-node-critical": [2000001000, "PreemptLowerPriority", false], "system-cluster-critical": [2000000000, "PreemptLowerPriority", false] });
    const del = await api.json("DELETE", `${PC}/system-node-critical`);
    expect(del.status).toBe(403);
    expect(del.body.message).toBe('priorityclasses.scheduling.k8s.io "system-node-critical" is forbidden: this is a system priority class and cannot be deleted');
    expect((await api.json("GET", `${PC}/system-node-critical`)).status).toBe(200);
  });

  test("a class is defaulted and validated as Kubernetes does", async () => {
    const made = await api.json("POST", PC, cls("high", 1000));
    expect(made.status).toBe(201);
    expect(made.body.preemptionPolicy).toBe("PreemptLowerPriority");

    const tooHigh = await api.json("POST", PC, cls("greedy", 1_000_000_001));
    expect(tooHigh.status).toBe(422);
    expect(tooHigh.body.details.causes).toEqual([{ reason: "FieldValueForbidden", message: "Forbidden: maximum allowed value of a user defined priority is 1000000000", field: "value" }]);

    const reserved = await api.json("POST", PC, cls("system-mine", 5));
    expect(reserved.status).toBe(422);
    expect(reserved.body.details.causes[0]).toMatchObject({ field: "metadata.name", message: "Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: system-mine is not a known system priority class" });

    const policy = await api.json("POST", PC, cls("odd", 5, { preemptionPolicy: "Sometimes" }));
    expect(policy.status).toBe(422);
    expect(policy.body.details.causes[0].field).toBe("preemptionPolicy");

    const changed = await api.json("PUT", `${PC}/high`, { ...made.body, value: 2000 });
    expect(changed.status).toBe(422);
    expect(changed.body.details.causes).toEqual([{ reason: "FieldValueForbidden", message: "Forbidden: may not be changed in an update.", field: "value" }]);
    expect((await api.json("GET", `${PC}/high`)).body.value).toBe(1000);
  });

  test("pods get their class's priority; a missing class or a priority of their own is refused", async () => {
    const high = await api.json("POST", `${NS}/pods`, pod("prio-high", { priorityClassName: "high" }));
    expect(high.status).toBe(201);
    expect([high.body.spec.priority, high.body.spec.preemptionPolicy]).toEqual([1000, "PreemptLowerPriority"]);

    const critical = await api.json("POST", `${NS}/pods`, pod("prio-critical", { priorityClassName: "system-node-critical" }));
    expect(critical.body.spec.priority).toBe(2000001000);

    const plain = await api.json("POST", `${NS}/pods`, pod("prio-plain"));
    expect([plain.body.spec.priority, plain.body.spec.priorityClassName]).toEqual([0, undefined]);

    const missing = await api.json("POST", `${NS}/pods`, pod("prio-missing", { priorityClassName: "nope" }));
    expect(missing.status).toBe(403);
    expect(missing.body.message).toBe('pods "prio-missing" is forbidden: no PriorityClass with name nope was found');

    const own = await api.json("POST", `${NS}/pods`, pod("prio-own", { priorityClassName: "high", priority: 7 }));
    expect(own.status).toBe(403);
    expect(own.body.message).toBe('pods "prio-own" is forbidden: the integer value of priority (7) must not be provided in pod spec; priority admission controller computed 1000 from the given PriorityClass name');
    // The same value as the class's is accepted (a pod read back and created again).
    expect((await api.json("POST", `${NS}/pods`, pod("prio-same", { priorityClassName: "high", priority: 1000 }))).status).toBe(201);
  });

  test("one global default: pods without a class get it; a second default is refused", async () => {
    expect((await api.json("POST", PC, cls("everyone", 5, { globalDefault: true }))).status).toBe(201);
    const second = await api.json("POST", PC, cls("everyone-else", 6, { globalDefault: true }));
    expect(second.status).toBe(403);
    expect(second.body.message).toBe('priorityclasses.scheduling.k8s.io "everyone-else" is forbidden: PriorityClass everyone is already marked as default. Only one default can exist');

    const p = await api.json("POST", `${NS}/pods`, pod("prio-default"));
    expect([p.body.spec.priority, p.body.spec.priorityClassName]).toEqual([5, "everyone"]);

    // Forgotten with the class: the next pod is back to 0.
    expect((await api.json("DELETE", `${PC}/everyone`)).status).toBe(200);
    const after = await api.json("POST", `${NS}/pods`, pod("prio-after-default"));
    expect([after.body.spec.priority, after.body.spec.priorityClassName]).toEqual([0, undefined]);
  });
});

describe("the scheduler decides higher priorities first", () => {
  test("with room for one pod, the higher-priority pod created last is the one bound", async () => {
    expect((await api.json("POST", "/api/v1/namespaces", { metadata: { name: "prio-queue" } })).status).toBe(201);
    const q = "/api/v1/namespaces/prio-queue";
    // Pending while no node fits: lowest first, the highest last. The node's taint keeps the
    // other tests' pending pods (one of system-node-critical) off it.
    const placement = { nodeSelector: { queue: "yes" }, tolerations: [{ key: "queue", operator: "Exists", effect: "NoSchedule" }] };
    for (const [name, cls] of [["first-low", undefined], ["second-low", undefined], ["last-high", "high"]] as const) {
      expect((await api.json("POST", `${q}/pods`, pod(name, cls ? { priorityClassName: cls, ...placement } : placement))).status).toBe(201);
    }
    await waitFor(async () => (await api.json("GET", `${q}/pods/first-low`)).body.status?.conditions?.some((c: any) => c.type === "PodScheduled" && c.status === "False"), "the pods to be found unschedulable");
    const node = { apiVersion: "v1", kind: "Node", metadata: { name: "prio-node", labels: { queue: "yes" } }, spec: { taints: [{ key: "queue", value: "yes", effect: "NoSchedule" }] }, status: { allocatable: { cpu: "4", memory: "8Gi", pods: "1" }, capacity: { cpu: "4", memory: "8Gi", pods: "1" }, conditions: [{ type: "Ready", status: "True" }] } };
    expect((await api.json("POST", "/api/v1/nodes", node)).status).toBe(201);
    const bound = await waitFor(async () => {
      const items = (await api.json("GET", `${q}/pods`)).body.items.filter((p: any) => p.spec.nodeName);
      return items.length ? items.map((p: any) => p.metadata.name) : undefined;
    }, "a pod to be bound");
    expect(bound).toEqual(["last-high"]);
  }, 40_000);
});
