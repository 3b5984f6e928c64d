/**
 * Node join, the server's half (K3s' `/cacerts` + node credentials, in one request):
 *
 * 1. `GET /cacerts` (public) returns the CA certificate. The agent hashes it and compares the
 *    hash with the one in its K10 token before trusting it.
 * 2. `POST /v1-k3rs/join` over TLS verified with that CA, `Authorization: Bearer <token or
 *    secret>`, body `{ nodeName, nodePassword }`, returns a client cert + key for
 *    `system:node:<name>` in group `system:nodes` — the agent's identity from then on.
 *
 * A node name is claimed by the first node that joins with it: the hash of its node password
 * is kept in the Secret `kube-system/<name>.node-password.k3rs` (as K3s does), and a second
 * machine that joins with the same name but another password is refused. An agent that
 * rejoins (same password) gets fresh credentials. A name a Node object already holds cannot be
 * claimed afresh either (its Secret deleted by someone allowed to): the Node must go first.
 * The server claims its own node's name the same way at every start.
 *
 * 3. `POST /v1-k3rs/renew` (model/node-credentials.ts): a node renews its certificate before it
 *    expires with no token — its still-valid certificate and its node password prove it is that
 *    node; it gets a new key and certificate for its own name only.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { CertPair } from "../pki/ca.ts";
import { issueClientCert } from "../pki/certs.ts";
import { parseToken, tokensEqual } from "../pki/token.ts";
import { PkiError } from "../pki/errors.ts";
import { errors, StatusError } from "../model/errors.ts";
import type { NodeCredentialsResponse, NodeRenewRequest } from "../model/node-credentials.ts";
import type { PeerInfo } from "../http/identity.ts";
import { nodeOfPeer } from "../tunnel/server.ts";
import { isDns1123Subdomain } from "../model/names.ts";
import type { ObjectStorage } from "../api/storage/object-storage.ts";
import type { ResourceRegistry } from "../api/resources/registry.ts";

export interface JoinDeps {
  ca: CertPair;
  /** The server's join secret (the part after `::server:`). */
  secret: string;
  /** The agents-only secret (`--agent-token`, `::node:`), when one is set. */
  agentSecret?: string;
  storage: ObjectStorage;
  registry: ResourceRegistry;
  /** How long node certificates are valid; default 365 days (K3s). A test server shortens it. */
  nodeCertLifetimeMs?: number;
}

export type JoinRequest = NodeRenewRequest;

export type JoinResponse = NodeCredentialsResponse;

export const NODE_PASSWORD_SUFFIX = ".node-password.k3rs";

export class JoinService {
  constructor(private readonly deps: JoinDeps) {}

  get caPem(): string {
    return this.deps.ca.certPem;
  }

  /** Checks the token, claims the node name, issues the node's client certificate. */
  async join(authorization: string | undefined, body: unknown): Promise<JoinResponse> {
    this.authenticate(authorization);
    const req = parseJoinRequest(body);
    await this.claimNodeName(req);
    return this.issueNodeCert(req.nodeName);
  }

  /**
   * A new key and certificate for the node the caller's certificate names, when the request
   * names that node and carries its node password. The peer's certificate was checked by TLS
   * (chain and validity): an expired one is no identity, so it cannot extend itself.
   */
  async renew(peer: PeerInfo, body: unknown): Promise<JoinResponse> {
    const node = nodeOfPeer(peer);
    // No certificate identity here means the API authenticated the request otherwise (a token):
    // an expired or foreign certificate alone never gets this far (401).
    if (node instanceof StatusError) throw errors.forbidden("only a node's own client certificate may renew it");
    const req = parseJoinRequest(body);
    if (req.nodeName !== node) throw errors.forbidden(`node "${node}" cannot renew the certificate of node "${req.nodeName}"`);
    await this.checkNodePassword(req);
    return this.issueNodeCert(node);
  }

  private async issueNodeCert(nodeName: string): Promise<JoinResponse> {
    const pair = await issueClientCert(this.deps.ca, { commonName: `system:node:${nodeName}`, organizations: ["system:nodes"], lifetimeMs: this.deps.nodeCertLifetimeMs });
    return { certPem: pair.certPem, keyPem: pair.keyPem, caPem: this.deps.ca.certPem };
  }

  /** The password must be the one that claimed the name; an unknown one proves nothing. */
  private async checkNodePassword(req: NodeRenewRequest): Promise<void> {
    const def = this.deps.registry.find("", "v1", "secrets")!;
    const secret = await this.deps.storage.tryGet(def, "kube-system", req.nodeName + NODE_PASSWORD_SUFFIX);
    const held = secret?.data?.hash ? Buffer.from(secret.data.hash, "base64") : undefined;
    const given = Buffer.from(passwordHash(req.nodePassword));
    if (!held) throw errors.forbidden(`node "${req.nodeName}" has no node password on record (secret kube-system/${req.nodeName}${NODE_PASSWORD_SUFFIX}); join again with the token`);
    if (held.length !== given.length || !timingSafeEqual(held, given)) throw errors.forbidden(`the node password of node "${req.nodeName}" does not match`);
  }

  private authenticate(authorization: string | undefined): void {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "");
    if (!m) throw errors.unauthorized("a join token is required (Authorization: Bearer <token>)");
    let secret: string;
    try {
      secret = parseToken(m[1]!).secret;
    } catch (e) {
      throw errors.unauthorized(e instanceof PkiError ? e.message : "malformed join token");
    }
    const agentOk = this.deps.agentSecret !== undefined && tokensEqual(secret, this.deps.agentSecret);
    if (!tokensEqual(secret, this.deps.secret) && !agentOk) throw errors.unauthorized("invalid join token");
  }

  /** `trusted`: the server's own node, which may take over a name its Node already holds. */
  async claimNodeName(req: JoinRequest, trusted = false): Promise<void> {
    const def = this.deps.registry.find("", "v1", "secrets")!;
    const nodeExists = !trusted && (await this.deps.storage.tryGet(this.deps.registry.find("", "v1", "nodes")!, undefined, req.nodeName)) !== undefined;
    const name = req.nodeName + NODE_PASSWORD_SUFFIX;
    const hash = passwordHash(req.nodePassword);
    await this.deps.storage.update(def, "kube-system", name, (cur) => {
      const held = cur.data?.hash ? Buffer.from(cur.data.hash, "base64").toString() : undefined;
      if (held !== undefined && held !== hash) {
        throw new StatusError(409, "Conflict",
          `node name "${req.nodeName}" is already taken by another node (its node password differs); ` +
            `join with another --node-name, or delete the secret kube-system/${name} if that node is gone for good`);
      }
      if (held === hash) return cur;
      if (held === undefined && nodeExists) {
        throw new StatusError(409, "Conflict",
          `node name "${req.nodeName}" is held by an existing Node whose node password is unknown; delete the Node ${req.nodeName} first if that machine is gone for good`);
      }
      return {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { ...cur.metadata, name, namespace: "kube-system", labels: { "k3rs.io/node-password": "true" } },
        type: "Opaque",
        immutable: false,
        data: { hash: Buffer.from(hash).toString("base64") },
      };
    }, { createIfMissing: true });
  }
}

function passwordHash(password: string): string {
  return createHash("sha256").update(password).digest("hex");
}

function parseJoinRequest(body: unknown): JoinRequest {
  const b = body as Partial<JoinRequest> | undefined;
  if (!b || typeof b !== "object") throw errors.badRequest("join request body must be a JSON object { nodeName, nodePassword }");
  if (typeof b.nodeName !== "string" || b.nodeName === "") throw errors.badRequest("nodeName is required");
  const bad = isDns1123Subdomain(b.nodeName);
  if (bad.length) throw errors.badRequest(`invalid node name "${b.nodeName}": ${bad.join("; ")}`);
  if (typeof b.nodePassword !== "string" || b.nodePassword.length < 16) throw errors.badRequest("nodePassword must be a string of at least 16 characters");
  return { nodeName: b.nodeName, nodePassword: b.nodePassword };
}
