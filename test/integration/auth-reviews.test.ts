/**
 * What `kubectl auth can-i [--list]`, `kubectl auth whoami` and `--as` ask of the API:
 * access and rules reviews, the self-subject review, SubjectAccessReview, impersonation.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startTestApi, type TestApi } from "../helpers/api-harness.ts";
import { asUser } from "../helpers/as-user.ts";

let api: TestApi;
const AUTHZ = "/apis/authorization.k8s.io/v1";
const alice = () => asUser(api, "alice", ["devs"]);
const ssar = (resourceAttributes: object) => ({ apiVersion: "authorization.k8s.io/v1", kind: "SelfSubjectAccessReview", spec: { resourceAttributes } });

beforeAll(async () => {
  api = await startTestApi();
  expect((await api.json("POST", "/api/v1/namespaces", { metadata: { name: "y" } })).status).toBe(201);
  expect((await api.json("POST", "/apis/rbac.authorization.k8s.io/v1/namespaces/y/roles", {
    metadata: { name: "cm" }, rules: [{ apiGroups: [""], resources: ["configmaps"], verbs: ["get", "list"] }],
  })).status).toBe(201);
  expect((await api.json("POST", "/apis/rbac.authorization.k8s.io/v1/namespaces/y/rolebindings", {
    metadata: { name: "alice-cm" }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "cm" },
    subjects: [{ kind: "User", apiGroup: "rbac.authorization.k8s.io", name: "alice" }],
  })).status).toBe(201);
});
afterAll(async () => {
  await api.close();
});

describe("reviews", () => {
  test("SelfSubjectAccessReview (kubectl auth can-i)", async () => {
    const yes = await alice().json("POST", `${AUTHZ}/selfsubjectaccessreviews`, ssar({ namespace: "y", verb: "list", resource: "configmaps" }));
    expect(yes.status).toBe(201);
    expect(yes.body).toMatchObject({ kind: "SelfSubjectAccessReview", apiVersion: "authorization.k8s.io/v1", status: { allowed: true } });
    const no = await alice().json("POST", `${AUTHZ}/selfsubjectaccessreviews`, ssar({ namespace: "y", verb: "list", resource: "secrets" }));
    expect(no.body.status.allowed).toBe(false);
    const url = await alice().json("POST", `${AUTHZ}/selfsubjectaccessreviews`, { spec: { nonResourceAttributes: { path: "/api", verb: "get" } } });
    expect(url.body.status.allowed).toBe(true);
    const admin = await api.json("POST", `${AUTHZ}/selfsubjectaccessreviews`, ssar({ verb: "*", group: "*", resource: "*" }));
    expect(admin.body.status.allowed).toBe(true);
    const neither = await alice().json("POST", `${AUTHZ}/selfsubjectaccessreviews`, { spec: {} });
    expect(neither.status).toBe(422);
  });

  test("SelfSubjectRulesReview (kubectl auth can-i --list)", async () => {
    const res = await alice().json("POST", `${AUTHZ}/selfsubjectrulesreviews`, { spec: { namespace: "y" } });
    expect(res.status).toBe(201);
    expect(res.body.status.resourceRules).toContainEqual({ verbs: ["get", "list"], apiGroups: [""], resources: ["configmaps"] });
    expect(res.body.status.resourceRules).toContainEqual({ verbs: ["create"], apiGroups: ["authorization.k8s.io"], resources: ["selfsubjectaccessreviews", "selfsubjectrulesreviews"] });
    expect(res.body.status.nonResourceRules).toContainEqual(expect.objectContaining({ verbs: ["get"], nonResourceURLs: expect.arrayContaining(["/api", "/version"]) }));
    expect(res.body.status.incomplete).toBe(false);
    const other = await alice().json("POST", `${AUTHZ}/selfsubjectrulesreviews`, { spec: { namespace: "default" } });
    expect(other.body.status.resourceRules).not.toContainEqual(expect.objectContaining({ resources: ["configmaps"] }));
  });

  test("SelfSubjectReview (kubectl auth whoami)", async () => {
    const res = await alice().json("POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews", { apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" });
    expect(res.status).toBe(201);
    expect(res.body.status.userInfo).toEqual({ username: "alice", groups: ["devs", "system:authenticated"] });
  });

  test("SubjectAccessReview and LocalSubjectAccessReview: for someone else, only for those allowed to ask", async () => {
    const spec = { user: "alice", groups: ["devs"], resourceAttributes: { namespace: "y", verb: "get", resource: "configmaps" } };
    const res = await api.json("POST", `${AUTHZ}/subjectaccessreviews`, { spec });
    expect(res.status).toBe(201);
    expect(res.body.status.allowed).toBe(true);
    const denied = await api.json("POST", `${AUTHZ}/subjectaccessreviews`, { spec: { ...spec, resourceAttributes: { ...spec.resourceAttributes, verb: "delete" } } });
    expect(denied.body.status.allowed).toBe(false);
    const local = await api.json("POST", `${AUTHZ}/namespaces/y/localsubjectaccessreviews`, { spec: { user: "alice", resourceAttributes: { verb: "list", resource: "configmaps" } } });
    expect(local.body.status.allowed).toBe(true);
    const byAlice = await alice().json("POST", `${AUTHZ}/subjectaccessreviews`, { spec });
    expect(byAlice.status).toBe(403);
    expect(byAlice.body.message).toBe('subjectaccessreviews.authorization.k8s.io is forbidden: User "alice" cannot create resource "subjectaccessreviews" in API group "authorization.k8s.io" at the cluster scope');
  });

  test("reviews are create-only and never stored", async () => {
    expect((await api.json("GET", `${AUTHZ}/selfsubjectaccessreviews`)).status).toBe(405);
  });
});

describe("impersonation (kubectl --as)", () => {
  test("the admin may act as anyone; the request then runs as them", async () => {
    const who = await api.json("POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews", {}, { headers: { "Impersonate-User": "bob", "Impersonate-Group": "qa" } });
    expect(who.body.status.userInfo).toEqual({ username: "bob", groups: ["qa", "system:authenticated"] });
    const secrets = await api.json("GET", "/api/v1/namespaces/y/secrets", undefined, { headers: { "Impersonate-User": "bob" } });
    expect(secrets.status).toBe(403);
    expect(secrets.body.message).toBe('secrets is forbidden: User "bob" cannot list resource "secrets" in API group "" in the namespace "y"');
    const sa = await api.json("POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews", {}, { headers: { "Impersonate-User": "system:serviceaccount:y:robot" } });
    expect(sa.body.status.userInfo.groups).toEqual(["system:serviceaccounts", "system:serviceaccounts:y", "system:authenticated"]);
  });

  test("without the impersonate verb: 403 in the apiserver's words; with it on one user only, just that user", async () => {
    const res = await alice().json("GET", "/api/v1/namespaces/y/configmaps", undefined, { "Impersonate-User": "bob" });
    expect(res.status).toBe(403);
    expect(res.body.message).toBe('users "bob" is forbidden: User "alice" cannot impersonate resource "users" in API group "" at the cluster scope');
    expect((await api.json("POST", "/apis/rbac.authorization.k8s.io/v1/clusterroles", {
      metadata: { name: "be-carol" }, rules: [{ apiGroups: [""], resources: ["users"], verbs: ["impersonate"], resourceNames: ["carol"] }],
    })).status).toBe(201);
    expect((await api.json("POST", "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", {
      metadata: { name: "alice-be-carol" }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "be-carol" },
      subjects: [{ kind: "User", apiGroup: "rbac.authorization.k8s.io", name: "alice" }],
    })).status).toBe(201);
    const asCarol = await alice().json("POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews", {}, { "Impersonate-User": "carol" });
    expect(asCarol.body.status.userInfo.username).toBe("carol");
    const withGroup = await alice().json("POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews", {}, { "Impersonate-User": "carol", "Impersonate-Group": "system:masters" });
    expect(withGroup.status).toBe(403);
    expect(withGroup.body.message).toBe('groups "system:masters" is forbidden: User "alice" cannot impersonate resource "groups" in API group "" at the cluster scope');
  });
});
