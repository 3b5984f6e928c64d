/**
 * RBAC end to end through the API: 403s in the apiserver's words, what a binding grants,
 * resourceNames and subresources, non-resource URLs, the default roles and their
 * aggregation, and escalation refused.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startTestApi, type TestApi } from "../helpers/api-harness.ts";
import { asUser } from "../helpers/as-user.ts";

let api: TestApi;
const RBAC = "/apis/rbac.authorization.k8s.io/v1";
const alice = () => asUser(api, "alice", ["devs"]);

beforeAll(async () => {
  api = await startTestApi();
  for (const ns of ["y", "z"]) expect((await api.json("POST", "/api/v1/namespaces", { metadata: { name: ns } })).status).toBe(201);
});
afterAll(async () => {
  await api.close();
});

async function waitFor<T>(what: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const v = await what();
    if (v !== undefined) return v;
    await Bun.sleep(25);
  }
  throw new Error("timed out");
}

describe("RBAC", () => {
  test("an unbound user is refused, in Kubernetes' words", async () => {
    const list = await alice().json("GET", "/api/v1/namespaces/y/secrets");
    expect(list.status).toBe(403);
    expect(list.body).toMatchObject({
      kind: "Status", status: "Failure", reason: "Forbidden", code: 403,
      message: 'secrets is forbidden: User "alice" cannot list resource "secrets" in API group "" in the namespace "y"',
      details: { kind: "secrets" },
    });
    const get = await alice().json("GET", "/apis/apps/v1/namespaces/y/deployments/web");
    expect(get.body.message).toBe('deployments.apps "web" is forbidden: User "alice" cannot get resource "deployments" in API group "apps" in the namespace "y"');
    const nodes = await alice().json("GET", "/api/v1/nodes");
    expect(nodes.body.message).toBe('nodes is forbidden: User "alice" cannot list resource "nodes" in API group "" at the cluster scope');
    const metrics = await alice().json("GET", "/metrics");
    expect(metrics.status).toBe(403);
    expect(metrics.body.message).toBe('forbidden: User "alice" cannot get path "/metrics"');
  });

  test("every authenticated user may discover the API (system:discovery) and ask /version", async () => {
    for (const path of ["/api", "/apis", "/api/v1", "/apis/apps/v1", "/version", "/openapi/v3"]) {
      expect({ path, status: (await alice().json("GET", path)).status }).toEqual({ path, status: 200 });
    }
  });

  test("a Role bound to the user's group grants what it says, in its namespace only", async () => {
    expect((await api.json("POST", `${RBAC}/namespaces/y/roles`, {
      metadata: { name: "secret-reader" }, rules: [{ apiGroups: [""], resources: ["secrets"], verbs: ["get", "list"] }],
    })).status).toBe(201);
    expect((await api.json("POST", `${RBAC}/namespaces/y/rolebindings`, {
      metadata: { name: "devs-read" }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "secret-reader" },
      subjects: [{ kind: "Group", apiGroup: "rbac.authorization.k8s.io", name: "devs" }],
    })).status).toBe(201);
    expect((await alice().json("GET", "/api/v1/namespaces/y/secrets")).status).toBe(200);
    expect((await alice().json("GET", "/api/v1/namespaces/z/secrets")).status).toBe(403);
    expect((await alice().json("DELETE", "/api/v1/namespaces/y/secrets/x")).status).toBe(403);
  });

  test("resourceNames and subresources", async () => {
    expect((await api.json("POST", `${RBAC}/namespaces/z/roles`, {
      metadata: { name: "one-map" }, rules: [
        { apiGroups: [""], resources: ["configmaps"], resourceNames: ["one"], verbs: ["get", "create"] },
        { apiGroups: [""], resources: ["pods"], verbs: ["get"] },
      ],
    })).status).toBe(201);
    expect((await api.json("POST", `${RBAC}/namespaces/z/rolebindings`, {
      metadata: { name: "alice-one" }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "one-map" },
      subjects: [{ kind: "User", apiGroup: "rbac.authorization.k8s.io", name: "alice" }],
    })).status).toBe(201);
    for (const name of ["one", "two"]) expect((await api.json("POST", "/api/v1/namespaces/z/configmaps", { metadata: { name } })).status).toBe(201);
    expect((await alice().json("GET", "/api/v1/namespaces/z/configmaps/one")).status).toBe(200);
    const two = await alice().json("GET", "/api/v1/namespaces/z/configmaps/two");
    expect(two.status).toBe(403);
    expect(two.body.message).toBe('configmaps "two" is forbidden: User "alice" cannot get resource "configmaps" in API group "" in the namespace "z"');
    expect((await alice().json("GET", "/api/v1/namespaces/z/configmaps")).status).toBe(403);
    const log = await alice().json("GET", "/api/v1/namespaces/z/pods/p/log");
    expect(log.body.message).toBe('pods "p" is forbidden: User "alice" cannot get resource "pods/log" in API group "" in the namespace "z"');
  });

  test("the default roles: cluster-admin for system:masters, view aggregated from system:aggregate-to-view", async () => {
    const admin = await api.json("GET", `${RBAC}/clusterrolebindings/cluster-admin`);
    expect(admin.body.subjects).toEqual([{ kind: "Group", apiGroup: "rbac.authorization.k8s.io", name: "system:masters" }]);
    const view = await waitFor(async () => {
      const r = await api.json("GET", `${RBAC}/clusterroles/view`);
      return r.body.rules?.length ? r.body : undefined;
    });
    expect(view.rules).toContainEqual(expect.objectContaining({ apiGroups: ["apps"], verbs: ["get", "list", "watch"] }));
    // A new role labelled for view joins it.
    expect((await api.json("POST", `${RBAC}/clusterroles`, {
      metadata: { name: "view-widgets", labels: { "rbac.authorization.k8s.io/aggregate-to-view": "true" } },
      rules: [{ apiGroups: ["example.com"], resources: ["widgets"], verbs: ["get"] }],
    })).status).toBe(201);
    await waitFor(async () => {
      const r = await api.json("GET", `${RBAC}/clusterroles/view`);
      return r.body.rules?.some((x: any) => x.resources?.includes("widgets")) ? true : undefined;
    });
    // …and admin, which aggregates edit, which aggregates view.
    await waitFor(async () => {
      const r = await api.json("GET", `${RBAC}/clusterroles/admin`);
      return r.body.rules?.some((x: any) => x.resources?.includes("widgets")) ? true : undefined;
    });
  });

  test("escalation: a namespace admin may grant view but not cluster-admin, nor rules it lacks", async () => {
    expect((await api.json("POST", `${RBAC}/namespaces/y/rolebindings`, {
      metadata: { name: "bob-admin" }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "admin" },
      subjects: [{ kind: "User", apiGroup: "rbac.authorization.k8s.io", name: "bob" }],
    })).status).toBe(201);
    const bob = asUser(api, "bob");
    await waitFor(async () => ((await bob.json("GET", "/api/v1/namespaces/y/pods")).status === 200 ? true : undefined));
    const grantAdmin = await bob.json("POST", `${RBAC}/namespaces/y/rolebindings`, {
      metadata: { name: "carol-root" }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cluster-admin" },
      subjects: [{ kind: "User", apiGroup: "rbac.authorization.k8s.io", name: "carol" }],
    });
    expect(grantAdmin.status).toBe(403);
    expect(grantAdmin.body.message).toStartWith('rolebindings.rbac.authorization.k8s.io "carol-root" is forbidden: user "bob" (groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:["*"], Resources:["*"], Verbs:["*"]}');
    const role = await bob.json("POST", `${RBAC}/namespaces/y/roles`, {
      metadata: { name: "node-reader" }, rules: [{ apiGroups: [""], resources: ["nodes"], verbs: ["get"] }],
    });
    expect(role.status).toBe(403);
    expect(role.body.message).toBe('roles.rbac.authorization.k8s.io "node-reader" is forbidden: user "bob" (groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[""], Resources:["nodes"], Verbs:["get"]}');
    const view = await bob.json("POST", `${RBAC}/namespaces/y/rolebindings`, {
      metadata: { name: "carol-view" }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "view" },
      subjects: [{ kind: "User", apiGroup: "rbac.authorization.k8s.io", name: "carol" }],
    });
    expect(view.status).toBe(201);
    expect((await asUser(api, "carol").json("GET", "/api/v1/namespaces/y/pods")).status).toBe(200);
    expect((await asUser(api, "carol").json("GET", "/api/v1/namespaces/y/secrets")).status).toBe(403);
  });

  test("the bind verb lets one bind a role one does not hold", async () => {
    expect((await api.json("POST", `${RBAC}/clusterroles`, {
      metadata: { name: "binder" }, rules: [
        { apiGroups: ["rbac.authorization.k8s.io"], resources: ["clusterroles"], verbs: ["bind"], resourceNames: ["cluster-admin"] },
        { apiGroups: ["rbac.authorization.k8s.io"], resources: ["rolebindings"], verbs: ["create"] },
      ],
    })).status).toBe(201);
    expect((await api.json("POST", `${RBAC}/clusterrolebindings`, {
      metadata: { name: "dave-binder" }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "binder" },
      subjects: [{ kind: "User", apiGroup: "rbac.authorization.k8s.io", name: "dave" }],
    })).status).toBe(201);
    const res = await asUser(api, "dave").json("POST", `${RBAC}/namespaces/z/rolebindings`, {
      metadata: { name: "erin-root" }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cluster-admin" },
      subjects: [{ kind: "User", apiGroup: "rbac.authorization.k8s.io", name: "erin" }],
    });
    expect(res.status).toBe(201);
  });

  test("roleRef cannot change", async () => {
    const res = await api.json("PATCH", `${RBAC}/namespaces/y/rolebindings/devs-read`, { roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "view" } }, { headers: { "content-type": "application/merge-patch+json" } });
    expect(res.status).toBe(422);
    expect(res.body.details.causes[0]).toMatchObject({ field: "roleRef" });
  });
});
