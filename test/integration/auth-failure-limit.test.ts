/**
 * Authentication failures budgeted per source address on a real `k3rs server`: a source that
 * keeps failing (bad bearer token, basic credentials, a certificate of another CA) gets 401
 * and then, past its budget, 429 with Retry-After in a Kubernetes Status — never a 5xx —
 * while another source, and the same source with good credentials, keep getting 200.
 * Sources on loopback are told apart by connecting from 127.0.0.x.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startHttpsTestServer } from "../helpers/https-server.ts";
import { rawHttps, type TlsIdentity } from "../helpers/raw-https.ts";
import { createCa } from "../../src/pki/ca.ts";
import { issueClientCert } from "../../src/pki/certs.ts";
import type { ServerHandle } from "../../src/server/run.ts";

const BURST = 3;
let server: ServerHandle;
let dataDir: string;
let admin: TlsIdentity;
let stranger: TlsIdentity;

const get = (headers: string[] = []) => `GET /api/v1/namespaces HTTP/1.1\r\nHost: localhost\r\n${headers.map((h) => h + "\r\n").join("")}Connection: close\r\n\r\n`;

async function ask(from: string, request: string, id: TlsIdentity = {}): Promise<{ status: number; retryAfter?: string; body: any }> {
  const r = await rawHttps(server.port, request, id, { whole: true, localAddress: from });
  const split = r.text.indexOf("\r\n\r\n");
  const head = r.text.slice(0, split);
  const retryAfter = /^retry-after: *(\S+)/im.exec(head)?.[1];
  // The one JSON object of the (possibly chunked) body.
  const json = /\{[\s\S]*\}/.exec(r.text.slice(split))?.[0];
  let parsed: any;
  try {
    parsed = json ? JSON.parse(json) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: r.status, retryAfter, body: parsed };
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "k3rs-authfail-"));
  // A budget that does not refill while the test runs: the outcome cannot depend on its speed.
  server = await startHttpsTestServer(dataDir, "authfail", { authFailures: { burst: BURST, perSecond: 0.0001 } });
  const tls = join(dataDir, "server", "tls");
  const ca = { certPem: readFileSync(join(tls, "server-ca.crt"), "utf8"), keyPem: readFileSync(join(tls, "server-ca.key"), "utf8") };
  const cred = await issueClientCert(ca, { commonName: "system:admin", organizations: ["system:masters"] });
  admin = { cert: cred.certPem, key: cred.keyPem };
  const otherCa = await createCa("not-this-cluster");
  const forged = await issueClientCert(otherCa, { commonName: "system:admin", organizations: ["system:masters"] });
  stranger = { cert: forged.certPem, key: forged.keyPem };
});
afterAll(async () => {
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("authentication failures per source", () => {
  test("bad bearer tokens: 401 within the budget, then 429 with Retry-After; other sources and good credentials unaffected", async () => {
    const bad = get(["Authorization: Bearer not-a-token"]);
    const answers: number[] = [];
    for (let i = 0; i < BURST; i++) answers.push((await ask("127.0.0.2", bad)).status);
    expect(answers).toEqual(Array(BURST).fill(401));

    const limited = await ask("127.0.0.2", bad);
    expect(limited.status).toBe(429);
    expect(Number(limited.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(limited.body).toMatchObject({ kind: "Status", apiVersion: "v1", status: "Failure", reason: "TooManyRequests", code: 429 });
    expect(limited.body.details.retryAfterSeconds).toBe(Number(limited.retryAfter));
    expect((await ask("127.0.0.2", bad)).status).toBe(429);

    // Another source has its own budget, and a good client there is served.
    expect((await ask("127.0.0.1", bad)).status).toBe(401);
    expect((await ask("127.0.0.1", get(), admin)).status).toBe(200);
    // The limited source itself, with a certificate of this cluster, is not refused.
    expect((await ask("127.0.0.2", get(), admin)).status).toBe(200);
    // Public paths ask for no credentials and draw on no budget.
    expect((await ask("127.0.0.2", "GET /readyz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")).status).toBe(200);
  });

  test("bad basic credentials and a certificate of another CA count alike", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < BURST; i++) statuses.push((await ask("127.0.0.3", get(["Authorization: Basic YWRtaW46YWRtaW4="]))).status);
    statuses.push((await ask("127.0.0.3", get(), stranger)).status);
    statuses.push((await ask("127.0.0.3", get(["Authorization: Basic YWRtaW46YWRtaW4="]))).status);
    expect(statuses).toEqual([...Array(BURST).fill(401), 429, 429]);
  });

  test("an upgrade request (exec) with a bad token is budgeted too", async () => {
    const exec = `POST /api/v1/namespaces/default/pods/p/exec?command=sh&stdout=1 HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer nope\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: v4.channel.k8s.io\r\n\r\n`;
    const statuses: number[] = [];
    for (let i = 0; i < BURST + 2; i++) statuses.push((await ask("127.0.0.4", exec)).status);
    expect(statuses).toEqual([...Array(BURST).fill(401), 429, 429]);
  });

  test("a flood from one source never costs a 5xx", async () => {
    const flood = await Promise.all(Array.from({ length: 40 }, () => ask("127.0.0.5", get(["Authorization: Bearer flood"]))));
    const codes = flood.map((r) => r.status);
    expect(codes.every((c) => c === 401 || c === 429)).toBe(true);
    expect(codes.filter((c) => c === 401)).toHaveLength(BURST);
  });
});
