import { afterAll, expect, test } from "bun:test";
import { x509 } from "./x509.ts";
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import http from "node:http";
import tls from "node:tls";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { certInfo, createCa, issueClientCert } from "./certs.ts";
import { ensureServerPki } from "./bootstrap.ts";
import { renderKubeconfig, writeKubeconfig } from "./kubeconfig.ts";
import { formatToken, generateSecret, parseToken, tokensEqual } from "./token.ts";

const dir = mkdtempSync(join(tmpdir(), "k3rs-pki-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("server PKI: made once, loaded after, serving cert reissued for a new SAN", async () => {
  const p = join(dir, "tls");
  const a = await ensureServerPki(p, { hostnames: ["node1"], ips: ["192.0.2.10"] });
  const info = certInfo(a.serving.certPem);
  expect(info.dnsNames).toEqual(expect.arrayContaining(["localhost", "kubernetes.default.svc", "node1"]));
  expect(info.ips).toEqual(expect.arrayContaining(["127.0.0.1", "192.0.2.10"]));
  const ca = new x509.X509Certificate(a.ca.certPem);
  expect(ca.getExtension(x509.BasicConstraintsExtension)?.ca).toBe(true);
  expect(await new x509.X509Certificate(a.serving.certPem).verify({ publicKey: ca.publicKey, signatureOnly: true })).toBe(true);
  expect(statSync(join(p, "server-ca.key")).mode & 0o777).toBe(0o600);
  expect(a.caHash).toMatch(/^[0-9a-f]{64}$/);
  const b = await ensureServerPki(p, { hostnames: ["node1"], ips: ["192.0.2.10"] });
  expect(b.ca.certPem).toBe(a.ca.certPem);
  expect(b.serving.certPem).toBe(a.serving.certPem);
  const c = await ensureServerPki(p, { hostnames: ["node1", "extra.example"], ips: ["192.0.2.10"] });
  expect(c.ca.certPem).toBe(a.ca.certPem);
  expect(c.serving.certPem).not.toBe(a.serving.certPem);
  expect(certInfo(c.serving.certPem).dnsNames).toContain("extra.example");
});

test("tokens", () => {
  const s = generateSecret();
  expect(s).toMatch(/^[0-9a-f]{32}$/);
  const t = formatToken("a".repeat(64), s);
  expect(parseToken(t)).toEqual({ caHash: "a".repeat(64), secret: s });
  expect(parseToken("bare")).toEqual({ secret: "bare" });
  expect(() => parseToken("K10abc::server:x")).toThrow(/malformed/);
  expect(tokensEqual("abc", "abc")).toBe(true);
  expect(tokensEqual("abc", "abd")).toBe(false);
});

test("node:tls sees the client's identity, and only for certs of our CA", async () => {
  const pki = await ensureServerPki(join(dir, "tls2"), { hostnames: [], ips: [] });
  const seen: { authorized: boolean; subject?: any }[] = [];
  const server = tls.createServer({ cert: pki.serving.certPem, key: pki.serving.keyPem, ca: pki.ca.certPem, requestCert: true, rejectUnauthorized: false }, (s) => {
    seen.push({ authorized: s.authorized, subject: s.authorized ? s.getPeerCertificate().subject : undefined });
    s.end("ok");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const port = (server.address() as any).port;
  const connect = (pair: { certPem: string; keyPem: string }) =>
    new Promise<void>((resolve, reject) => {
      const c = tls.connect({ port, host: "127.0.0.1", servername: "localhost", ca: pki.ca.certPem, cert: pair.certPem, key: pair.keyPem }, () => c.on("data", () => {}));
      c.on("end", () => resolve());
      c.on("close", () => resolve());
      c.on("error", reject);
    });
  await connect(pki.admin);
  const other = await createCa("other");
  await connect(await issueClientCert(other, { commonName: "mallory", organizations: ["system:masters"] }));
  server.close();
  expect(seen[0]).toEqual({ authorized: true, subject: { O: "system:masters", CN: "system:admin" } });
  expect(seen[1]!.authorized).toBe(false);
});

test.skipIf(!existsSync("/usr/bin/kubectl"))("kubectl (Go TLS) accepts the certificates and the kubeconfig", async () => {
  const pki = await ensureServerPki(join(dir, "tls3"), { hostnames: [], ips: [] });
  let user = "";
  const h = http.createServer((req, res) => {
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ major: "1", minor: "32", gitVersion: "v1.32.0+k3rs" }));
  });
  const server = tls.createServer({ cert: pki.serving.certPem, key: pki.serving.keyPem, ca: pki.ca.certPem, requestCert: true, rejectUnauthorized: false }, (s) => {
    if (s.authorized) user = String(s.getPeerCertificate().subject?.CN);
    h.emit("connection", s);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const port = (server.address() as any).port;
  const kc = join(dir, "kc.yaml");
  await writeKubeconfig(kc, renderKubeconfig({ server: `https://127.0.0.1:${port}`, caPem: pki.ca.certPem, clientCertPem: pki.admin.certPem, clientKeyPem: pki.admin.keyPem }));
  expect(statSync(kc).mode & 0o777).toBe(0o600);
  const p = Bun.spawn(["/usr/bin/kubectl", "--kubeconfig", kc, "version", "-o", "json"], { stdout: "pipe", stderr: "pipe", env: { ...process.env, HOME: dir } });
  const out = await new Response(p.stdout).text();
  const err = await new Response(p.stderr).text();
  await p.exited;
  server.close();
  h.close();
  expect(err).toBe("");
  expect(JSON.parse(out).serverVersion.gitVersion).toBe("v1.32.0+k3rs");
  expect(user).toBe("system:admin");
});
