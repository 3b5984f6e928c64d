/**
 * Node join, the agent's half. With no credentials on disk: fetch the CA from `/cacerts`,
 * refuse it unless its sha256 is the one in the K10 token (a bare secret trusts the first CA
 * seen, as K3s does, with a warning), then present the secret to `/v1-k3rs/join` over TLS
 * verified with that CA and keep the node's client certificate. With credentials on disk:
 * use them — a restart needs no token — unless the certificate has expired: an expired one can
 * no longer renew (cert-renewer.ts renews before that), so the agent joins again with the token.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync, renameSync } from "node:fs";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { parseToken } from "../pki/token.ts";
import { certSha256Hex } from "../pki/fingerprint.ts";
import { renewalState, validity } from "../pki/renewal.ts";
import type { ClientConfig } from "../client/kubeconfig.ts";
import { RestClient } from "../client/rest-client.ts";
import { log } from "../log.ts";

export interface AgentCredentials {
  server: string;
  caPem: string;
  certPem: string;
  keyPem: string;
}

export class JoinError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "JoinError";
  }
}

const FILES = { ca: "server-ca.crt", cert: "client-kubelet.crt", key: "client-kubelet.key", password: "node-password", server: "server-url" };

export function credentialsDir(dataDir: string): string {
  return join(dataDir, "agent", "cred");
}

export function loadCredentials(dir: string): AgentCredentials | undefined {
  const p = (f: string) => join(dir, f);
  if (![FILES.ca, FILES.cert, FILES.key, FILES.server].every((f) => existsSync(p(f)))) return undefined;
  const r = (f: string) => readFileSync(p(f), "utf8");
  return { server: r(FILES.server).trim(), caPem: r(FILES.ca), certPem: r(FILES.cert), keyPem: r(FILES.key) };
}

/** An unreadable certificate counts as expired: it cannot renew either. */
function certExpired(certPem: string): boolean {
  try {
    return renewalState(certPem, new Date()) === "expired";
  } catch {
    return true;
  }
}

/**
 * The node's client certificate and key, each written to a temporary file and renamed into
 * place, the key first: a reader sees the old pair, or the new key beside the old certificate
 * for an instant (refused by TLS, retried), never half a file.
 */
export function writeNodePair(dir: string, pair: { certPem: string; keyPem: string }): void {
  writeAtomic(join(dir, FILES.key), pair.keyPem);
  writeAtomic(join(dir, FILES.cert), pair.certPem);
}

function writeAtomic(path: string, text: string): void {
  writeFileSync(`${path}.tmp`, text, { mode: 0o600 });
  renameSync(`${path}.tmp`, path);
}

/** The node password proves on re-join that this is the machine that first took the name. */
export function nodePassword(dir: string): string {
  const p = join(dir, FILES.password);
  if (existsSync(p)) return readFileSync(p, "utf8").trim();
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const pw = randomBytes(16).toString("hex");
  writeAtomic(p, pw + "\n");
  return pw;
}

export interface JoinOptions {
  server: string;
  token?: string;
  nodeName: string;
  dataDir: string;
}

/** Credentials for this node: from disk, or by joining with the token. */
export async function ensureJoined(o: JoinOptions): Promise<AgentCredentials> {
  const dir = credentialsDir(o.dataDir);
  const server = o.server.replace(/\/+$/, "");
  const have = loadCredentials(dir);
  const expired = have && have.server === server && certExpired(have.certPem);
  if (have && have.server === server && !expired) return have;
  if (expired) {
    const notAfter = validity(have.certPem).notAfter.toISOString();
    if (!o.token) throw new JoinError(`the node certificate in ${dir} expired at ${notAfter} and cannot be renewed: pass --token to join again`);
    log.warn("agent: the node certificate has expired and cannot be renewed; joining again with the token", { node: o.nodeName, notAfter });
  }
  if (!o.token) {
    throw new JoinError(have
      ? `this agent joined ${have.server}; joining ${server} needs --token`
      : "no credentials in the data dir yet: pass --token (the server's <data-dir>/server/token) to join");
  }
  let parsed;
  try {
    parsed = parseToken(o.token);
  } catch (e) {
    throw new JoinError(`invalid --token: ${(e as Error).message}`, { cause: e });
  }
  const caPem = await fetchCa(server);
  const hash = certSha256Hex(caPem);
  if (parsed.caHash === undefined) {
    log.warn("agent: the token has no CA hash; trusting the server's CA on first use", { caHash: hash });
  } else if (parsed.caHash !== hash) {
    throw new JoinError(`the server's CA (sha256 ${hash}) does not match the token's CA hash (${parsed.caHash}); refusing to join ${server}`);
  }
  // Bearer auth carries the whole token; the server checks its secret.
  const client = new RestClient({ server, ca: caPem, token: o.token.trim(), path: "(join)" } satisfies ClientConfig);
  let res: { certPem: string; keyPem: string; caPem: string };
  try {
    res = await client.request("/v1-k3rs/join", { method: "POST", body: { nodeName: o.nodeName, nodePassword: nodePassword(dir) } });
  } catch (e) {
    throw new JoinError(`joining ${server} as node "${o.nodeName}" failed: ${(e as Error).message}`, { cause: e });
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeAtomic(join(dir, FILES.ca), caPem);
  writeNodePair(dir, res);
  writeAtomic(join(dir, FILES.server), server + "\n");
  log.info("agent: joined the cluster", { server, node: o.nodeName });
  return { server, caPem, certPem: res.certPem, keyPem: res.keyPem };
}

/** The CA as the server serves it; TLS is not verified here because the hash check comes next. */
async function fetchCa(server: string): Promise<string> {
  let res: Response;
  try {
    res = await fetch(`${server}/cacerts`, { tls: { rejectUnauthorized: false } } as RequestInit);
  } catch (e) {
    throw new JoinError(`cannot reach the server at ${server}: ${(e as Error).message}`, { cause: e });
  }
  if (!res.ok) throw new JoinError(`${server}/cacerts answered HTTP ${res.status}; is this a k3rs server?`);
  const pem = await res.text();
  if (!pem.includes("BEGIN CERTIFICATE")) throw new JoinError(`${server}/cacerts did not return a certificate`);
  return pem;
}
