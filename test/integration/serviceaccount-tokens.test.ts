/**
 * Service-account tokens through the API: TokenRequest, the token as a bearer credential,
 * revocation by deleting the account or the pod it is bound to, audiences, TokenReview and
 * the issuer's discovery documents.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startTestApi, type TestApi } from "../helpers/api-harness.ts";
import { withToken } from "../helpers/as-user.ts";

let api: TestApi;
const NS = "tok";

async function token(sa: string, spec: object = {}): Promise<string> {
  const res = await api.json("POST", `/api/v1/namespaces/${NS}/serviceaccounts/${sa}/token`, { apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", spec });
  expect(res.status).toBe(201);
  expect(res.body.status.expirationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  return res.body.status.token;
}

const whoami = async (t: string) => withToken(api, t).json("POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews", {});

beforeAll(async () => {
  api = await startTestApi();
  expect((await api.json("POST", "/api/v1/namespaces", { metadata: { name: NS } })).status).toBe(201);
  for (const name of ["robot", "doomed", "runner"]) expect((await api.json("POST", `/api/v1/namespaces/${NS}/serviceaccounts`, { metadata: { name } })).status).toBe(201);
});
afterAll(async () => {
  await api.close();
});

describe("service-account tokens", () => {
  test("a token authenticates as the account, with its groups; RBAC then applies to it", async () => {
    const t = await token("robot");
    const sa = (await api.json("GET", `/api/v1/namespaces/${NS}/serviceaccounts/robot`)).body;
    const me = await whoami(t);
    expect(me.status).toBe(201);
    expect(me.body.status.userInfo).toMatchObject({
      username: `system:serviceaccount:${NS}:robot`, uid: sa.metadata.uid,
      groups: ["system:serviceaccounts", `system:serviceaccounts:${NS}`, "system:authenticated"],
    });
    const pods = await withToken(api, t).json("GET", `/api/v1/namespaces/${NS}/pods`);
    expect(pods.status).toBe(403);
    expect(pods.body.message).toBe(`pods is forbidden: User "system:serviceaccount:${NS}:robot" cannot list resource "pods" in API group "" in the namespace "${NS}"`);
    expect((await api.json("POST", `/apis/rbac.authorization.k8s.io/v1/namespaces/${NS}/rolebindings`, {
      metadata: { name: "robot-view" }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "view" },
      subjects: [{ kind: "ServiceAccount", name: "robot", namespace: NS }],
    })).status).toBe(201);
    for (let i = 0; i < 200 && (await withToken(api, t).json("GET", `/api/v1/namespaces/${NS}/pods`)).status !== 200; i++) await Bun.sleep(25);
    expect((await withToken(api, t).json("GET", `/api/v1/namespaces/${NS}/pods`)).status).toBe(200);
  });

  test("deleting the account revokes its tokens: 401", async () => {
    const t = await token("doomed");
    expect((await whoami(t)).status).toBe(201);
    expect((await api.json("DELETE", `/api/v1/namespaces/${NS}/serviceaccounts/doomed`)).status).toBe(200);
    const after = await whoami(t);
    expect(after.status).toBe(401);
    expect(after.body).toMatchObject({ kind: "Status", reason: "Unauthorized", code: 401 });
    // A new account of the same name is another account: the old token stays dead.
    expect((await api.json("POST", `/api/v1/namespaces/${NS}/serviceaccounts`, { metadata: { name: "doomed" } })).status).toBe(201);
    expect((await whoami(t)).status).toBe(401);
  });

  test("a token bound to a pod names it, and dies with it", async () => {
    const pod = await api.json("POST", `/api/v1/namespaces/${NS}/pods`, { metadata: { name: "p" }, spec: { serviceAccountName: "runner", containers: [{ name: "c", image: "busybox" }] } });
    expect(pod.status).toBe(201);
    const t = await token("runner", { boundObjectRef: { kind: "Pod", apiVersion: "v1", name: "p", uid: pod.body.metadata.uid } });
    const me = await whoami(t);
    expect(me.body.status.userInfo.extra).toMatchObject({ "authentication.kubernetes.io/pod-name": ["p"], "authentication.kubernetes.io/pod-uid": [pod.body.metadata.uid] });
    const wrongSa = await api.json("POST", `/api/v1/namespaces/${NS}/serviceaccounts/robot/token`, { spec: { boundObjectRef: { kind: "Pod", apiVersion: "v1", name: "p" } } });
    expect(wrongSa.status).toBe(400);
    const staleUid = await api.json("POST", `/api/v1/namespaces/${NS}/serviceaccounts/runner/token`, { spec: { boundObjectRef: { kind: "Pod", apiVersion: "v1", name: "p", uid: "nope" } } });
    expect(staleUid.status).toBe(409);
    expect((await api.json("DELETE", `/api/v1/namespaces/${NS}/pods/p?gracePeriodSeconds=0`)).status).toBe(200);
    expect((await whoami(t)).status).toBe(401);
  });

  test("audiences: a token for another audience is no API credential, but TokenReview checks it for that audience", async () => {
    const t = await token("robot", { audiences: ["vault"], expirationSeconds: 600 });
    expect((await whoami(t)).status).toBe(401);
    const review = await api.json("POST", "/apis/authentication.k8s.io/v1/tokenreviews", { spec: { token: t, audiences: ["vault"] } });
    expect(review.status).toBe(201);
    expect(review.body.status).toMatchObject({ authenticated: true, audiences: ["vault"], user: { username: `system:serviceaccount:${NS}:robot` } });
    const apiReview = await api.json("POST", "/apis/authentication.k8s.io/v1/tokenreviews", { spec: { token: t } });
    expect(apiReview.body.status.authenticated).toBe(false);
    const forged = t.slice(0, -4) + (t.endsWith("AAAA") ? "BBBB" : "AAAA");
    expect((await api.json("POST", "/apis/authentication.k8s.io/v1/tokenreviews", { spec: { token: forged, audiences: ["vault"] } })).body.status.authenticated).toBe(false);
  });

  test("TokenRequest refuses a lifetime under 10 minutes and an unknown account", async () => {
    const short = await api.json("POST", `/api/v1/namespaces/${NS}/serviceaccounts/robot/token`, { spec: { expirationSeconds: 599 } });
    expect(short.status).toBe(422);
    expect(short.body.details.causes[0]).toMatchObject({ field: "spec.expirationSeconds", message: "Invalid value: 599: may not specify a duration less than 10 minutes" });
    const none = await api.json("POST", `/api/v1/namespaces/${NS}/serviceaccounts/ghost/token`, { spec: {} });
    expect(none.status).toBe(404);
  });

  test("the issuer's discovery documents", async () => {
    const conf = await api.json("GET", "/.well-known/openid-configuration");
    expect(conf.body).toMatchObject({ issuer: "https://kubernetes.default.svc.cluster.local", jwks_uri: "https://kubernetes.default.svc.cluster.local/openid/v1/jwks" });
    const jwks = await api.json("GET", "/openid/v1/jwks");
    expect(jwks.body.keys).toHaveLength(1);
    expect(jwks.body.keys[0]).toMatchObject({ kty: "EC", crv: "P-256", alg: "ES256", use: "sig" });
    const t = await token("robot");
    expect(JSON.parse(Buffer.from(t.split(".")[0]!, "base64url").toString()).kid).toBe(jwks.body.keys[0].kid);
    // Service accounts may read them (system:service-account-issuer-discovery).
    expect((await withToken(api, t).json("GET", "/openid/v1/jwks")).status).toBe(200);
  });
});
