/**
 * A node's identity (`system:node:<name>` in `system:nodes`) through the node authorizer and
 * NodeRestriction: it reads only what its own pods reference, writes only its own Node, Lease
 * and pods, asks tokens only for its own pods — everything else is 403 in the apiserver's words.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startTestApi, type TestApi } from "../helpers/api-harness.ts";
import { asUser } from "../helpers/as-user.ts";

let api: TestApi;
const NS = "/api/v1/namespaces/work";
const nodeA = () => asUser(api, "system:node:a", ["system:nodes"]);
const MERGE = { headers: { "content-type": "application/merge-patch+json" } };

beforeAll(async () => {
  api = await startTestApi();
  const ok = async (method: string, path: string, body: object) => {
    const r = await api.json(method, path, body);
    expect({ path, status: r.status }).toEqual({ path, status: 201 });
  };
  await ok("POST", "/api/v1/namespaces", { metadata: { name: "work" } });
  for (const n of ["a", "b"]) await ok("POST", "/api/v1/nodes", { metadata: { name: n } });
  for (const s of ["sa", "sb", "env-a"]) await ok("POST", `${NS}/secrets`, { metadata: { name: s }, data: { k: "dg==" } });
  await ok("POST", `${NS}/configmaps`, { metadata: { name: "cm-a" }, data: { k: "v" } });
  await ok("POST", `${NS}/serviceaccounts`, { metadata: { name: "runner-b" } });
  await ok("POST", `${NS}/pods`, {
    metadata: { name: "pa" }, spec: {
      nodeName: "a", volumes: [{ name: "s", secret: { secretName: "sa" } }, { name: "c", configMap: { name: "cm-a" } }],
      containers: [{ name: "c", image: "busybox", env: [{ name: "X", valueFrom: { secretKeyRef: { name: "env-a", key: "k" } } }] }],
    },
  });
  await ok("POST", `${NS}/pods`, { metadata: { name: "pb" }, spec: { nodeName: "b", serviceAccountName: "runner-b", volumes: [{ name: "s", secret: { secretName: "sb" } }], containers: [{ name: "c", image: "busybox" }] } });
});
afterAll(async () => {
  await api.close();
});

describe("the node authorizer", () => {
  test("a node reads the Secrets and ConfigMaps its own pods reference, one by one", async () => {
    for (const path of [`${NS}/secrets/sa`, `${NS}/secrets/env-a`, `${NS}/configmaps/cm-a`]) {
      expect({ path, status: (await nodeA().json("GET", path)).status }).toEqual({ path, status: 200 });
    }
  });

  test("a node lists and watches one of them by name (the kubelet's watch of each), never another node's", async () => {
    const listed = await nodeA().json("GET", `${NS}/secrets?fieldSelector=metadata.name%3Dsa`);
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((s: any) => s.metadata.name)).toEqual(["sa"]);
    const watched = await nodeA().json("GET", `${NS}/configmaps?watch=1&timeoutSeconds=1&fieldSelector=metadata.name%3Dcm-a`);
    expect(watched.status).toBe(200);
    const other = await nodeA().json("GET", `${NS}/secrets?watch=1&timeoutSeconds=1&fieldSelector=metadata.name%3Dsb`);
    expect(other.status).toBe(403);
    expect(other.body.message).toBe(`secrets "sb" is forbidden: User "system:node:a" cannot watch resource "secrets" in API group "" in the namespace "work": no relationship found between node 'a' and this object`);
    // Any other selector is a list of the collection.
    expect((await nodeA().json("GET", `${NS}/secrets?fieldSelector=metadata.name!%3Dsb`)).status).toBe(403);
  });

  test("…not node B's pod's secret, and never a list", async () => {
    const other = await nodeA().json("GET", `${NS}/secrets/sb`);
    expect(other.status).toBe(403);
    expect(other.body.message).toBe(`secrets "sb" is forbidden: User "system:node:a" cannot get resource "secrets" in API group "" in the namespace "work": no relationship found between node 'a' and this object`);
    const list = await nodeA().json("GET", `${NS}/secrets`);
    expect(list.status).toBe(403);
    expect(list.body.message).toBe(`secrets is forbidden: User "system:node:a" cannot list resource "secrets" in API group "" in the namespace "work": can only get individual resources of this type`);
    expect((await nodeA().json("GET", "/api/v1/secrets?watch=1")).status).toBe(403);
  });

  test("the ingress on every node lists TLS Secrets, by that selector only, and the Ingresses and classes", async () => {
    expect((await api.json("POST", `${NS}/secrets`, { metadata: { name: "cert" }, type: "kubernetes.io/tls", data: { "tls.crt": "", "tls.key": "" } })).status).toBe(201);
    const tls = await nodeA().json("GET", "/api/v1/secrets?fieldSelector=type%3Dkubernetes.io%2Ftls");
    expect(tls.status).toBe(200);
    const listed = tls.body.items.map((s: any) => `${s.metadata.namespace}/${s.metadata.name}`);
    expect(listed).toContain("work/cert");
    expect(listed).not.toContain("work/sa");
    for (const sel of ["type%3DOpaque", "type%21%3Dkubernetes.io%2Ftls", "type%3Dkubernetes.io%2Ftls%2Cmetadata.name%3Dsa"]) {
      expect({ sel, status: (await nodeA().json("GET", `/api/v1/secrets?fieldSelector=${sel}`)).status }).toEqual({ sel, status: 403 });
    }
    expect((await nodeA().json("GET", `${NS}/secrets?fieldSelector=type%3Dkubernetes.io%2Ftls`)).status).toBe(403);
    for (const path of ["/apis/networking.k8s.io/v1/ingresses", "/apis/networking.k8s.io/v1/ingressclasses"]) {
      expect({ path, status: (await nodeA().json("GET", path)).status }).toEqual({ path, status: 200 });
    }
  });

  test("a node reads pods, services, endpoint slices and nodes (its agent's proxy and routes need them)", async () => {
    for (const path of ["/api/v1/pods", "/api/v1/services", "/apis/discovery.k8s.io/v1/endpointslices", "/api/v1/nodes", "/api/v1/nodes/b"]) {
      expect({ path, status: (await nodeA().json("GET", path)).status }).toEqual({ path, status: 200 });
    }
  });

  test("a node cannot delete namespaces, create a pod in kube-system, or touch node passwords", async () => {
    expect((await nodeA().json("DELETE", "/api/v1/namespaces/work")).status).toBe(403);
    const pod = await nodeA().json("POST", "/api/v1/namespaces/kube-system/pods", { metadata: { name: "evil" }, spec: { nodeName: "a", containers: [{ name: "c", image: "busybox", securityContext: { privileged: true } }] } });
    expect(pod.status).toBe(403);
    expect(pod.body.message).toBe(`pods "evil" is forbidden: pod does not have "kubernetes.io/config.mirror" annotation, node "a" can only create mirror pods`);
    expect((await nodeA().json("DELETE", "/api/v1/namespaces/kube-system/secrets/b.node-password.k3rs")).status).toBe(403);
    expect((await nodeA().json("GET", "/api/v1/namespaces/kube-system/secrets/b.node-password.k3rs")).status).toBe(403);
  });
});

describe("NodeRestriction", () => {
  test("its own Node and Lease only", async () => {
    expect((await nodeA().json("PATCH", "/api/v1/nodes/a", { metadata: { labels: { x: "1" } } }, MERGE.headers)).status).toBe(200);
    const other = await nodeA().json("PATCH", "/api/v1/nodes/b", { metadata: { labels: { x: "1" } } }, MERGE.headers);
    expect(other.status).toBe(403);
    expect(other.body.message).toBe(`nodes "b" is forbidden: node "a" is not allowed to modify node "b"`);
    expect((await nodeA().json("PATCH", "/api/v1/nodes/b/status", { status: { phase: "x" } }, MERGE.headers)).status).toBe(403);
    const lease = (name: string) => ({ apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name }, spec: { holderIdentity: name } });
    expect((await nodeA().json("POST", "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases", lease("a"))).status).toBe(201);
    const b = await nodeA().json("POST", "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases", lease("b"));
    expect(b.status).toBe(403);
    expect(b.body.message).toBe(`leases.coordination.k8s.io "b" is forbidden: can only access node lease with the same name as the requesting node`);
  });

  test("the status and the final delete of its own pods only", async () => {
    expect((await nodeA().json("PATCH", `${NS}/pods/pa/status`, { status: { message: "mine" } }, MERGE.headers)).status).toBe(200);
    const status = await nodeA().json("PATCH", `${NS}/pods/pb/status`, { status: { message: "yours" } }, MERGE.headers);
    expect(status.status).toBe(403);
    expect(status.body.message).toBe(`pods "pb" is forbidden: node "a" can only update pod status for pods with spec.nodeName set to itself`);
    const del = await nodeA().json("DELETE", `${NS}/pods/pb`);
    expect(del.status).toBe(403);
    expect(del.body.message).toBe(`pods "pb" is forbidden: node "a" can only delete pods with spec.nodeName set to itself`);
    expect((await api.json("GET", `${NS}/pods/pb`)).status).toBe(200);
  });

  test("tokens only for its own pods' service accounts, bound to those pods", async () => {
    const pa = (await api.json("GET", `${NS}/pods/pa`)).body;
    const mine = await nodeA().json("POST", `${NS}/serviceaccounts/default/token`, { spec: { boundObjectRef: { kind: "Pod", apiVersion: "v1", name: "pa", uid: pa.metadata.uid } } });
    expect(mine.status).toBe(201);
    const unbound = await nodeA().json("POST", `${NS}/serviceaccounts/default/token`, { spec: {} });
    expect(unbound.status).toBe(403);
    expect(unbound.body.message).toBe(`serviceaccounts "default" is forbidden: node requested token not bound to a pod`);
    const theirs = await nodeA().json("POST", `${NS}/serviceaccounts/runner-b/token`, { spec: { boundObjectRef: { kind: "Pod", apiVersion: "v1", name: "pb" } } });
    expect(theirs.status).toBe(403);
    expect(theirs.body.message).toBe(`serviceaccounts "runner-b" is forbidden: User "system:node:a" cannot create resource "serviceaccounts/token" in API group "" in the namespace "work": no relationship found between node 'a' and this object`);
  });

  test("once the pod moves away (deleted), its secret is no longer the node's to read", async () => {
    expect((await api.json("DELETE", `${NS}/pods/pa?gracePeriodSeconds=0`)).status).toBe(200);
    expect((await nodeA().json("GET", `${NS}/secrets/sa`)).status).toBe(403);
  });
});
