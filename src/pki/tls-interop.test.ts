/**
 * The certificates in real TLS: node:tls as the API server uses it (Bun.serve cannot show
 * client certs), and the real kubectl — Go's crypto/tls, the client that matters.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import { createServer as createNetServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import tls from "node:tls";
import { ensureServerPki, type CertPair, type ServerPki } from "./bootstrap.ts";
import { createCa } from "./ca.ts";
import { issueClientCert } from "./certs.ts";
import { identityFromPeerCert, type CertIdentity } from "./identity.ts";
import { renderKubeconfig, writeKubeconfig } from "./kubeconfig.ts";

const root = mkdtempSync(join(tmpdir(), "k3rs-pki-tls-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const pki = await ensureServerPki(join(root, "tls"), { hostnames: [], ips: [] });
const stranger = await createCa({ commonName: "stranger-ca" });
const mallory = await issueClientCert(stranger, { commonName: "mallory", organizations: ["system:masters"] });

interface Seen {
  authorized: boolean;
  identity?: CertIdentity;
}

/** A TLS server configured as the API server's; `seen` records each connection's peer. */
async function startTlsServer(p: ServerPki, host: string, onSocket?: (s: tls.TLSSocket) => void) {
  const seen: Seen[] = [];
  const server = tls.createServer({ cert: p.serving.certPem, key: p.serving.keyPem, ca: p.ca.certPem, requestCert: true, rejectUnauthorized: false }, (s) => {
    seen.push({ authorized: s.authorized, identity: identityFromPeerCert(s.getPeerCertificate(), s.authorized) });
    if (onSocket) onSocket(s);
    else s.end("ok");
  });
  server.on("tlsClientError", () => {});
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, host, () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  return { seen, port, close: () => new Promise<void>((r) => server.close(() => r())) };
}

function connect(port: number, ca: string, pair?: CertPair): Promise<{ ok: boolean; error?: string }> {
  return new Promise((resolve) => {
    const c = tls.connect({ port, host: "127.0.0.1", servername: "localhost", ca, cert: pair?.certPem, key: pair?.keyPem });
    c.on("data", () => {});
    c.on("end", () => resolve({ ok: true }));
    c.on("error", (e) => resolve({ ok: false, error: String(e) }));
  });
}

describe("node:tls", () => {
  test.each<[string, CertPair | undefined, Seen]>([
    ["our admin cert is authorized and read as system:admin", pki.admin, { authorized: true, identity: { user: "system:admin", groups: ["system:masters", "system:authenticated"] } }],
    ["a cert from another CA is not authorized", mallory, { authorized: false, identity: undefined }],
    ["no client cert is not authorized", undefined, { authorized: false, identity: undefined }],
  ])("%s", async (_name, client, want) => {
    const server = await startTlsServer(pki, "127.0.0.1");
    const r = await connect(server.port, pki.ca.certPem, client);
    await server.close();
    expect(r).toEqual({ ok: true });
    expect(server.seen).toEqual([want]);
  });

  test("a node cert with several groups reports them all", async () => {
    const node = await issueClientCert(pki.ca, { commonName: "system:node:n1", organizations: ["system:nodes", "k3rs:agents"] });
    const server = await startTlsServer(pki, "127.0.0.1");
    await connect(server.port, pki.ca.certPem, node);
    await server.close();
    expect(server.seen[0]!.identity).toEqual({ user: "system:node:n1", groups: ["system:nodes", "k3rs:agents", "system:authenticated"] });
  });

  test("a client trusting another CA refuses our serving cert", async () => {
    const server = await startTlsServer(pki, "127.0.0.1");
    const r = await connect(server.port, stranger.certPem, pki.admin);
    await server.close();
    expect(r.ok).toBe(false);
  });
});

async function ipv6LoopbackWorks(): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createNetServer();
    s.once("error", () => resolve(false));
    s.listen(0, "::1", () => s.close(() => resolve(true)));
  });
}

const KUBECTL = "/usr/bin/kubectl";
const VERSION = { major: "1", minor: "32", gitVersion: "v1.32.0+k3rs" };

describe.skipIf(!existsSync(KUBECTL))("kubectl (Go crypto/tls)", async () => {
  const hasV6 = await ipv6LoopbackWorks();
  let n = 0;

  /** Serves /version over the PKI's TLS, as the API server will: node:tls feeding node:http. */
  async function kubectlVersion(opts: { bind: string; url: (port: number) => string; caPem: string; client: CertPair; args?: string[] }) {
    const api = http.createServer((_req, res) => {
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify(VERSION));
    });
    const server = await startTlsServer(pki, opts.bind, (s) => api.emit("connection", s));
    const kubeconfig = join(root, `kubeconfig-${++n}.yaml`);
    await writeKubeconfig(kubeconfig, renderKubeconfig({ server: opts.url(server.port), caPem: opts.caPem, clientCertPem: opts.client.certPem, clientKeyPem: opts.client.keyPem }));
    const proc = Bun.spawn([KUBECTL, "--kubeconfig", kubeconfig, "--request-timeout", "20s", ...(opts.args ?? ["get", "--raw", "/version"])], {
      stdout: "pipe",
      stderr: "pipe",
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: root },
    });
    const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
    api.close();
    await server.close();
    return { code, stdout, stderr, seen: server.seen };
  }

  test.each([
    ["127.0.0.1", "127.0.0.1", (p: number) => `https://127.0.0.1:${p}`],
    ["localhost", "127.0.0.1", (p: number) => `https://localhost:${p}`],
  ])("accepts the serving cert at %s and the admin client cert", async (_name, bind, url) => {
    const r = await kubectlVersion({ bind, url, caPem: pki.ca.certPem, client: pki.admin });
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: "" });
    expect(JSON.parse(r.stdout)).toEqual(VERSION);
    expect(r.seen[0]).toEqual({ authorized: true, identity: { user: "system:admin", groups: ["system:masters", "system:authenticated"] } });
  });

  test("`kubectl version -o json` reads the server's version through the written kubeconfig", async () => {
    const r = await kubectlVersion({ bind: "127.0.0.1", url: (p) => `https://127.0.0.1:${p}`, caPem: pki.ca.certPem, client: pki.admin, args: ["version", "-o", "json"] });
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: "" });
    expect(JSON.parse(r.stdout).serverVersion).toMatchObject(VERSION);
  });

  test.skipIf(!hasV6)("accepts the serving cert at [::1]", async () => {
    const r = await kubectlVersion({ bind: "::1", url: (p) => `https://[::1]:${p}`, caPem: pki.ca.certPem, client: pki.admin });
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: "" });
    expect(JSON.parse(r.stdout)).toEqual(VERSION);
  });

  test("refuses our serving cert when it trusts another CA", async () => {
    const r = await kubectlVersion({ bind: "127.0.0.1", url: (p) => `https://127.0.0.1:${p}`, caPem: stranger.certPem, client: pki.admin });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("x509");
  });

  test("refuses a host the serving cert does not name", async () => {
    // 127.0.0.2 is loopback too (all of 127/8 on Linux), but not in the cert's SANs.
    const r = await kubectlVersion({ bind: "127.0.0.2", url: (p) => `https://127.0.0.2:${p}`, caPem: pki.ca.certPem, client: pki.admin });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("not 127.0.0.2");
  });
});
