/**
 * Authentication and authorization with the real kubectl and a real pod: `auth can-i`
 * (and `--list`), `--as`, `auth whoami`, `create token`, and a busybox pod that reads the
 * token the node projected into it and calls the API with it over HTTPS on the node's IP
 * (the service network may not be wired on this machine). Root only, with containerd, runc
 * and the CNI plugins; its own node, namespace, data dir (all `security-`) and pod network.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KUBECTL } from "../helpers/e2e-server.ts";
import { addSafetyRoutes, CAN_RUN_PODS } from "../helpers/real-node.ts";
import { RealCluster } from "../helpers/real-cluster.ts";
import { ensureTestImages } from "../helpers/test-images.ts";

const NS = "security-auth";
const NODE = "security-node";
let c: RealCluster;
const k = (...args: string[]) => c.k(...args);

/** kubectl as a bearer token alone (no client certificate), from a kubeconfig of its own. */
async function kubectlWithToken(token: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const file = join(c.dataDir, `token-${Math.random().toString(36).slice(2)}.kubeconfig`);
  writeFileSync(file, JSON.stringify({
    apiVersion: "v1", kind: "Config", "current-context": "x",
    clusters: [{ name: "c", cluster: { server: `https://127.0.0.1:${c.server.port}`, "insecure-skip-tls-verify": true } }],
    users: [{ name: "u", user: { token } }],
    contexts: [{ name: "x", context: { cluster: "c", user: "u" } }],
  }), { mode: 0o600 });
  const p = Bun.spawn([KUBECTL, "--kubeconfig", file, ...args], { stdout: "pipe", stderr: "pipe", env: { ...process.env, HOME: c.dataDir, KUBECACHEDIR: join(c.dataDir, "kubecache-token") } });
  const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { code, stdout, stderr };
}

describe.skipIf(!CAN_RUN_PODS || !existsSync(KUBECTL))("auth with kubectl and a real pod", () => {
  beforeAll(async () => {
    await addSafetyRoutes();
    const dataDir = mkdtempSync(join(tmpdir(), "security-e2e-"));
    const images = await ensureTestImages();
    mkdirSync(join(dataDir, "agent", "images"), { recursive: true });
    copyFileSync(images.busybox, join(dataDir, "agent", "images", "busybox.tar"));
    // The pod calls the API on the node's IP, so the server listens beyond loopback (a free port, not 6443).
    c = new RealCluster(dataDir, NODE, NS, ["--cluster-cidr", "10.42.48.0/20", "--bind-address", "0.0.0.0"]);
    await c.start();
    await c.nodeReady();
    c.podCidr = await k("get", "node", NODE, "-o", "jsonpath={.spec.podCIDR}");
    expect(c.podCidr).toBe("10.42.48.0/24");
    await k("create", "namespace", NS);
  }, 180_000);

  afterAll(async () => {
    await c?.close();
  }, 120_000);

  test("kubectl auth can-i, --as, --list", async () => {
    expect((await k("auth", "can-i", "list", "secrets", "-n", NS)).trim()).toBe("yes");
    const alice = await c.server.kubectl(["auth", "can-i", "list", "secrets", "-n", NS, "--as", "alice"]);
    expect({ code: alice.code, out: alice.stdout.trim() }).toEqual({ code: 1, out: "no" });
    await k("create", "rolebinding", "alice-view", "-n", NS, "--clusterrole", "view", "--user", "alice");
    expect((await k("auth", "can-i", "list", "pods", "-n", NS, "--as", "alice")).trim()).toBe("yes");
    expect((await c.server.kubectl(["auth", "can-i", "list", "secrets", "-n", NS, "--as", "alice"])).stdout.trim()).toBe("no");
    const denied = await c.server.kubectl(["get", "secrets", "-n", NS, "--as", "alice"]);
    expect(denied.code).toBe(1);
    expect(denied.stderr).toContain(`Error from server (Forbidden): secrets is forbidden: User "alice" cannot list resource "secrets" in API group "" in the namespace "${NS}"`);
    const list = await k("auth", "can-i", "--list", "-n", NS, "--as", "alice");
    expect(list).toContain("selfsubjectaccessreviews.authorization.k8s.io");
    expect(list).toMatch(/pods\s+\[\]\s+\[\]\s+\[get list watch\]/);
  });

  test("kubectl auth whoami, as the admin and as someone impersonated", async () => {
    const me = JSON.parse(await k("auth", "whoami", "-o", "json"));
    expect(me.status.userInfo).toMatchObject({ username: "system:admin", groups: ["system:masters", "system:authenticated"] });
    const bob = JSON.parse(await k("auth", "whoami", "-o", "json", "--as", "bob", "--as-group", "qa"));
    expect(bob.status.userInfo).toEqual({ username: "bob", groups: ["qa", "system:authenticated"] });
  });

  test("kubectl create token: the token is the service account, until the account is deleted", async () => {
    await k("create", "serviceaccount", "robot", "-n", NS);
    const token = (await k("create", "token", "robot", "-n", NS, "--audience", "k3s", "--duration", "20m")).trim();
    const claims = JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString());
    expect(claims.aud).toEqual(["k3s"]);
    expect(claims.exp - claims.iat).toBe(1200);
    const who = await kubectlWithToken(token, ["auth", "whoami", "-o", "json"]);
    expect(who.code).toBe(0);
    expect(JSON.parse(who.stdout).status.userInfo).toMatchObject({ username: `system:serviceaccount:${NS}:robot`, groups: ["system:serviceaccounts", `system:serviceaccounts:${NS}`, "system:authenticated"] });
    const pods = await kubectlWithToken(token, ["get", "pods", "-n", NS]);
    expect(pods.stderr).toContain(`pods is forbidden: User "system:serviceaccount:${NS}:robot" cannot list resource "pods"`);
    await k("delete", "serviceaccount", "robot", "-n", NS);
    const gone = await kubectlWithToken(token, ["auth", "whoami"]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain("Unauthorized");
  });

  test("a pod reads its projected token and calls the API with it", async () => {
    const nodeIp = await k("get", "node", NODE, "-o", "jsonpath={.status.addresses[?(@.type==\"InternalIP\")].address}");
    const dir = "/var/run/secrets/kubernetes.io/serviceaccount";
    const script = [
      `ls ${dir}`,
      `echo ns=$(cat ${dir}/namespace)`,
      `grep -c "BEGIN CERTIFICATE" ${dir}/ca.crt`,
      `T=$(cat ${dir}/token)`,
      `timeout 15 wget --no-check-certificate -q -O - --header "Authorization: Bearer $T" https://${nodeIp}:${c.server.port}/api`,
      `echo; timeout 15 wget --no-check-certificate -q -O - --header "Authorization: Bearer $T" https://${nodeIp}:${c.server.port}/api/v1/namespaces/${NS}/secrets || echo secrets-refused`,
    ].join("; ");
    await c.apply({
      apiVersion: "v1", kind: "Pod", metadata: { name: "caller", namespace: NS },
      spec: { restartPolicy: "Never", terminationGracePeriodSeconds: 1, containers: [{ name: "main", image: "busybox", command: ["sh", "-c", script] }] },
    });
    const done = await c.until("caller finished", async () => {
      const p = await c.json("get", "pod", "caller", "-n", NS);
      return p.status?.phase === "Succeeded" || p.status?.phase === "Failed" ? p : undefined;
    });
    const out = await k("logs", "caller", "-n", NS);
    expect(done.status.phase).toBe("Succeeded");
    expect(out).toContain("ca.crt\nnamespace\ntoken");
    expect(out).toContain(`ns=${NS}`);
    expect(out).toContain('"kind":"APIVersions"');
    expect(out).toContain("secrets-refused");
  });

  test("automountServiceAccountToken: false leaves the pod without a token", async () => {
    await c.apply({
      apiVersion: "v1", kind: "Pod", metadata: { name: "quiet", namespace: NS },
      spec: { automountServiceAccountToken: false, restartPolicy: "Never", terminationGracePeriodSeconds: 1, containers: [{ name: "main", image: "busybox", command: ["sh", "-c", "ls /var/run/secrets/kubernetes.io/serviceaccount || echo no-token"] }] },
    });
    await c.until("quiet finished", async () => (await c.json("get", "pod", "quiet", "-n", NS)).status?.phase === "Succeeded");
    expect(await k("logs", "quiet", "-n", NS)).toContain("no-token");
  });
});
