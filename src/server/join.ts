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
 */
import { createHash } from "node:crypto";
import type { CertPair } from "../pki/ca.ts";
import { issueClientCert } from "../pki/certs.ts";
import { parseToken, tokensEqual } from "../pki/token.ts";
import { PkiError } from "../pki/errors.ts";
import { errors, StatusError } from "../model/errors.ts";
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
}

export interface JoinRequest {
  nodeName: string;
  nodePassword: string;
}

export interface JoinResponse {
  certPem: string;
  keyPem: string;
  caPem: string;
}

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
    const pair = await issueClientCert(this.deps.ca, { commonName: `system:node:${req.nodeName}`, organizations: ["system:nodes"] });
    return { certPem: pair.certPem, keyPem: pair.keyPem, caPem: this.deps.ca.certPem };
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
    const hash = createHash("sha256").update(req.nodePassword).digest("hex");
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

function parseJoinRequest(body: unknown): JoinRequest {
  const b = body as Partial<JoinRequest> | undefined;
  if (!b || typeof b !== "object") throw errors.badRequest("join request body must be a JSON object { nodeName, nodePassword }");
  if (typeof b.nodeName !== "string" || b.nodeName === "") throw errors.badRequest("nodeName is required");
  const bad = isDns1123Subdomain(b.nodeName);
  if (bad.length) throw errors.badRequest(`invalid node name "${b.nodeName}": ${bad.join("; ")}`);
  if (typeof b.nodePassword !== "string" || b.nodePassword.length < 16) throw errors.badRequest("nodePassword must be a string of at least 16 characters");
  return { nodeName: b.nodeName, nodePassword: b.nodePassword };
}
