/**
 * Node certificates renewed before they expire, end to end: a real server (HTTPS) issuing node
 * certificates valid a few seconds (K3RS_CERT_LIFETIME_SECONDS' knob), an agent that joins with
 * the token and runs the certificate renewer and its tunnel, and the checks that matter — the
 * agent keeps working past its first certificate's expiry without a restart, its tunnel
 * reconnects with the new certificate, no node renews another's, an expired or foreign
 * certificate is 401, and an agent started with an expired certificate joins again.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ServerHandle } from "../../src/server/run.ts";
import { RestClient } from "../../src/client/rest-client.ts";
import { loadKubeconfig } from "../../src/client/kubeconfig.ts";
import { credentialsDir, ensureJoined, JoinError, loadCredentials, nodePassword } from "../../src/agent/join.ts";
import { CertRenewer } from "../../src/agent/cert-renewer.ts";
import { startNodeTunnel } from "../../src/agent/node-tunnel.ts";
import { TunnelClient } from "../../src/tunnel/agent.ts";
import { NODE_RENEW_PATH, type NodeCredentialsResponse } from "../../src/model/node-credentials.ts";
import { certInfo } from "../../src/pki/inspect.ts";
import { createCa, DAY_MS } from "../../src/pki/ca.ts";
import { issueClientCert } from "../../src/pki/certs.ts";
import { sleep } from "../../src/lib/sleep.ts";
import { startHttpsTestServer } from "../helpers/https-server.ts";
import { rawHttps } from "../helpers/raw-https.ts";

/** Long enough for a join and a few requests, short enough to outlive in a test. */
const LIFETIME_MS = 8_000;

let dataDir: string;
let server: ServerHandle;
let url: string;
let token: string;
let admin: RestClient;
const stop = new AbortController();
const dirs: string[] = [];

function tempDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}

function clientOf(pair: { caPem: string; certPem: string; keyPem: string }, path: string): RestClient {
  return new RestClient({ server: url, ca: pair.caPem, cert: pair.certPem, key: pair.keyPem, path });
}

async function statusOf(res: Response): Promise<{ status: number; kind?: string; reason?: string; message?: string }> {
  const body = (await res.json().catch(() => ({}))) as { kind?: string; reason?: string; message?: string };
  return { status: res.status, kind: body.kind, reason: body.reason, message: body.message };
}

/**
 * A request on a connection of its own: Bun's fetch keeps connections alive, and one opened
 * while a certificate was valid keeps serving it (TLS checks a certificate at the handshake).
 */
async function freshRequest(method: string, path: string, pair: { certPem: string; keyPem: string }, body?: unknown): Promise<{ status: number; kind?: string; reason?: string; message?: string }> {
  const payload = body === undefined ? "" : JSON.stringify(body);
  const head = `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(payload)}\r\n\r\n`;
  const r = await rawHttps(server.port, head + payload, { cert: pair.certPem, key: pair.keyPem }, { whole: true });
  const json = r.text.slice(r.text.indexOf("{"), r.text.lastIndexOf("}") + 1);
  const parsed = (json ? JSON.parse(json) : {}) as { kind?: string; reason?: string; message?: string };
  return { status: r.status, kind: parsed.kind, reason: parsed.reason, message: parsed.message };
}

function renew(client: RestClient, nodeName: string, password: string): Promise<Response> {
  return client.raw(NODE_RENEW_PATH, { method: "POST", body: { nodeName, nodePassword: password } });
}

beforeAll(async () => {
  dataDir = tempDir("k3rs-certs-renewal-");
  server = await startHttpsTestServer(dataDir, "certs-srv", { nodeCertLifetimeMs: LIFETIME_MS });
  url = `https://127.0.0.1:${server.port}`;
  token = readFileSync(join(dataDir, "server", "token"), "utf8").trim();
  admin = new RestClient(loadKubeconfig(server.kubeconfigPath));
});

afterAll(async () => {
  stop.abort();
  await server.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe("node certificate renewal", () => {
  test("a joined agent renews before expiry and keeps working past the old certificate's end, its tunnel reconnecting with the new one", async () => {
    const node = "certs-rn1";
    const agentDir = tempDir("k3rs-certs-agent-");
    const creds = await ensureJoined({ server: url, token, nodeName: node, dataDir: agentDir });
    // The Node the agent would register, so the node proxy below can reach it.
    expect((await admin.raw("/api/v1/nodes", { method: "POST", body: { apiVersion: "v1", kind: "Node", metadata: { name: node } } })).status).toBe(201);
    const first = certInfo(creds.certPem);
    // The server's lifetime applies (not 365 days).
    expect(first.notAfter.getTime() - Date.now()).toBeLessThanOrEqual(LIFETIME_MS);
    const client = clientOf(creds, "(agent certs-rn1)");
    const tunnel = startNodeTunnel({ client, nodeName: node, pods: {} as never, runtime: {} as never, signal: stop.signal })!;
    await tunnel.waitConnected();

    const renewed: NodeCredentialsResponse[] = [];
    const firstRenewal = new Promise<void>((resolve) => {
      const dir = credentialsDir(agentDir);
      new CertRenewer({ client, nodeName: node, nodePassword: nodePassword(dir), credentialsDir: dir, signal: stop.signal, onRenewed: (p) => (renewed.push(p), resolve()) }).start();
    });
    await firstRenewal;
    const pair = renewed[0]!;
    const second = certInfo(pair.certPem);
    expect(Date.now()).toBeLessThan(first.notAfter.getTime()); // renewed before expiry
    expect(second.notAfter.getTime()).toBeGreaterThan(first.notAfter.getTime());
    expect({ cn: second.commonName, o: second.organizations }).toEqual({ cn: `system:node:${node}`, o: ["system:nodes"] });
    expect(pair.keyPem).not.toBe(creds.keyPem); // a new key pair
    expect(client.config.cert).toBe(pair.certPem);
    // Written where the next start reads it.
    expect(loadCredentials(credentialsDir(agentDir))!.certPem).toBe(renewed.at(-1)!.certPem);

    await sleep(first.notAfter.getTime() - Date.now() + 1_500);
    // The same client object, no restart: past the first certificate's expiry it still works,
    // and what it presents on a new connection is valid.
    expect((await client.raw(`/api/v1/nodes/${node}`)).status).toBe(200);
    const current = { certPem: client.config.cert!, keyPem: client.config.key! };
    expect(await freshRequest("GET", `/api/v1/nodes/${node}`, current)).toMatchObject({ status: 200, kind: "Node" });
    // The first certificate itself is refused now, for the API and for renewal alike.
    expect(await freshRequest("GET", `/api/v1/nodes/${node}`, creds)).toMatchObject({ status: 401, kind: "Status", reason: "Unauthorized" });
    const password = nodePassword(credentialsDir(agentDir));
    expect(await freshRequest("POST", NODE_RENEW_PATH, creds, { nodeName: node, nodePassword: password })).toMatchObject({ status: 401, kind: "Status", reason: "Unauthorized" });

    // A newer connection from the same node replaces the agent's tunnel; the agent reconnects,
    // which needs the renewed certificate now that the first has expired.
    const other = new AbortController();
    const cfg = client.config;
    const intruder = new TunnelClient({ server: url, tls: { ca: cfg.ca, cert: cfg.cert!, key: cfg.key! }, nodeName: node, signal: other.signal, serve: (s) => s.destroy() }).start();
    await intruder.waitConnected();
    other.abort();
    while (tunnel.connected) await sleep(20);
    await tunnel.waitConnected();
    const health = await admin.raw(`/api/v1/nodes/${node}/proxy/healthz`);
    expect({ status: health.status, body: await health.text() }).toEqual({ status: 200, body: "ok" });
  }, 30_000);

  test("a node cannot renew another node's certificate, nor with a wrong password; a non-node identity cannot renew (403)", async () => {
    const a = await ensureJoined({ server: url, token, nodeName: "certs-rn2", dataDir: tempDir("k3rs-certs-agent-") });
    const bDir = tempDir("k3rs-certs-agent-");
    const b = await ensureJoined({ server: url, token, nodeName: "certs-rn3", dataDir: bDir });
    const bPassword = nodePassword(credentialsDir(bDir));
    const asA = clientOf(a, "(certs-rn2)");
    const refused = await statusOf(await renew(asA, "certs-rn3", bPassword));
    expect(refused).toMatchObject({ status: 403, kind: "Status", reason: "Forbidden" });
    expect(refused.message).toContain('node "certs-rn2" cannot renew the certificate of node "certs-rn3"');
    const wrongPassword = await statusOf(await renew(clientOf(b, "(certs-rn3)"), "certs-rn3", "x".repeat(32)));
    expect(wrongPassword).toMatchObject({ status: 403, reason: "Forbidden" });
    expect(wrongPassword.message).toContain("node password");
    expect(await statusOf(await renew(admin, "certs-rn3", bPassword))).toMatchObject({ status: 403, reason: "Forbidden" });
    // Its own, with its password: a certificate for itself only.
    const ok = await renew(clientOf(b, "(certs-rn3)"), "certs-rn3", bPassword);
    expect(ok.status).toBe(200);
    expect(certInfo(((await ok.json()) as NodeCredentialsResponse).certPem).commonName).toBe("system:node:certs-rn3");
  });

  test("an expired client certificate and one of another CA are 401 with a Status body", async () => {
    const tls = join(dataDir, "server", "tls");
    const ca = { certPem: readFileSync(join(tls, "server-ca.crt"), "utf8"), keyPem: readFileSync(join(tls, "server-ca.key"), "utf8") };
    const expired = await issueClientCert(ca, { commonName: "system:admin", organizations: ["system:masters"], days: 1, now: new Date(Date.now() - 2 * DAY_MS) });
    const foreign = await issueClientCert(await createCa("another-ca"), { commonName: "system:admin", organizations: ["system:masters"] });
    for (const pair of [expired, foreign]) {
      const res = await clientOf({ caPem: ca.certPem, ...pair }, "(refused)").raw("/api/v1/namespaces");
      expect(await statusOf(res)).toMatchObject({ status: 401, kind: "Status", reason: "Unauthorized" });
    }
    // The same CA's valid admin certificate is accepted: the refusals above are about the certificates.
    expect((await admin.raw("/api/v1/namespaces")).status).toBe(200);
  });

  test("an agent started with an expired certificate joins again with the token, and says why without one", async () => {
    const agentDir = tempDir("k3rs-certs-agent-");
    const node = "certs-rn4";
    await ensureJoined({ server: url, token, nodeName: node, dataDir: agentDir });
    const tls = join(dataDir, "server", "tls");
    const ca = { certPem: readFileSync(join(tls, "server-ca.crt"), "utf8"), keyPem: readFileSync(join(tls, "server-ca.key"), "utf8") };
    const expired = await issueClientCert(ca, { commonName: `system:node:${node}`, organizations: ["system:nodes"], days: 1, now: new Date(Date.now() - 2 * DAY_MS) });
    const dir = credentialsDir(agentDir);
    writeFileSync(join(dir, "client-kubelet.crt"), expired.certPem);
    writeFileSync(join(dir, "client-kubelet.key"), expired.keyPem);

    const noToken = await ensureJoined({ server: url, nodeName: node, dataDir: agentDir }).catch((e) => e);
    expect(noToken).toBeInstanceOf(JoinError);
    expect((noToken as Error).message).toMatch(/expired at .* pass --token to join again/);

    const again = await ensureJoined({ server: url, token, nodeName: node, dataDir: agentDir });
    expect(certInfo(again.certPem).notAfter.getTime()).toBeGreaterThan(Date.now());
    expect(readFileSync(join(dir, "client-kubelet.crt"), "utf8")).toBe(again.certPem);
    expect((await clientOf(again, "(rejoined)").raw(`/api/v1/nodes`)).status).toBe(200);
  });
});
