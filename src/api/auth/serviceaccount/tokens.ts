/**
 * Service-account tokens (kubernetes `pkg/serviceaccount`, `pkg/registry/core/serviceaccount/storage/token.go`):
 * JWTs signed with the server's key, issued by TokenRequest (`kubectl create token`), bound to
 * the ServiceAccount and optionally a Pod or Secret. A token authenticates as
 * `system:serviceaccount:<ns>:<name>` in `system:serviceaccounts` and
 * `system:serviceaccounts:<ns>` for as long as it has not expired AND the objects it is bound
 * to still exist with the uids it names: deleting the account or the pod revokes it.
 *
 * As the apiserver does (`--service-account-extend-token-expiration`), a pod-bound token asked
 * for with the kubelet's 3607 s is issued for a year with `warnafter` at 3607 s, so a node that
 * misses a refresh does not cut its pods off the API.
 */
import { randomUUID, type KeyObject } from "node:crypto";
import type { KubeObject } from "../../../model/object.ts";
import { errors, StatusError } from "../../../model/errors.ts";
import type { ObjectStorage } from "../../storage/object-storage.ts";
import type { ResourceRegistry } from "../../resources/registry.ts";
import type { ServiceAccountKey } from "../../../pki/service-account-key.ts";
import type { Authenticator, UserInfo } from "../types.ts";
import { keyId, publicJwk, signJwt, verifyJwt } from "./jwt.ts";

export const DEFAULT_ISSUER = "https://kubernetes.default.svc.cluster.local";
/** What K3s sets as --api-audiences. */
export const DEFAULT_API_AUDIENCES = [DEFAULT_ISSUER, "k3s"];
export const KUBELET_TOKEN_SECONDS = 3607;
const EXTENDED_SECONDS = 365 * 24 * 3600;
const MIN_SECONDS = 600;
const DEFAULT_SECONDS = 3600;

export interface TokenRequestSpec {
  audiences?: string[] | null;
  expirationSeconds?: number | null;
  boundObjectRef?: { kind?: string; apiVersion?: string; name?: string; uid?: string } | null;
}

export interface ServiceAccountTokensDeps {
  key: ServiceAccountKey;
  storage: ObjectStorage;
  registry: ResourceRegistry;
  issuer?: string;
  apiAudiences?: string[];
  now?: () => Date;
}

export class ServiceAccountTokens {
  readonly issuer: string;
  readonly apiAudiences: string[];
  private readonly kid: string;
  private readonly publicKey: KeyObject;
  private readonly now: () => Date;

  constructor(private readonly deps: ServiceAccountTokensDeps) {
    this.issuer = deps.issuer ?? DEFAULT_ISSUER;
    this.apiAudiences = deps.apiAudiences ?? DEFAULT_API_AUDIENCES;
    this.publicKey = deps.key.publicKey;
    this.kid = keyId(this.publicKey);
    this.now = deps.now ?? (() => new Date());
  }

  private def(plural: string) {
    return this.deps.registry.find("", "v1", plural)!;
  }

  /** TokenRequest: a token for the account `namespace/name`; throws the apiserver's Status errors. */
  async issue(namespace: string, name: string, spec: TokenRequestSpec): Promise<{ token: string; expirationTimestamp: string; audiences: string[] }> {
    const seconds = spec.expirationSeconds ?? DEFAULT_SECONDS;
    const invalid = (field: string, value: unknown, detail: string) =>
      errors.invalid("authentication.k8s.io", "TokenRequest", name, [{ reason: "FieldValueInvalid", field, message: `Invalid value: ${JSON.stringify(value)}: ${detail}` }]);
    if (!Number.isInteger(seconds) || seconds < MIN_SECONDS) throw invalid("spec.expirationSeconds", seconds, "may not specify a duration less than 10 minutes");
    if (seconds > 2 ** 32) throw invalid("spec.expirationSeconds", seconds, "may not specify a duration larger than 2^32 seconds");
    const sa = await this.deps.storage.get(this.def("serviceaccounts"), namespace, name);
    const claims: Record<string, any> = { namespace, serviceaccount: { name, uid: sa.metadata.uid } };
    let lifetime = seconds;
    const ref = spec.boundObjectRef;
    if (ref) {
      if (ref.kind !== "Pod" && ref.kind !== "Secret") throw invalid("spec.boundObjectRef.kind", ref.kind, "supported values: \"Pod\", \"Secret\"");
      const plural = ref.kind === "Pod" ? "pods" : "secrets";
      const obj = await this.deps.storage.get(this.def(plural), namespace, ref.name ?? "");
      if (ref.uid && ref.uid !== obj.metadata.uid) {
        throw new StatusError(409, "Conflict", `the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`);
      }
      if (ref.kind === "Pod") {
        if ((obj.spec?.serviceAccountName ?? "default") !== name) {
          throw errors.badRequest(`cannot bind token for serviceaccount "${name}" to pod running with different serviceaccount name.`);
        }
        claims.pod = { name: obj.metadata.name, uid: obj.metadata.uid };
        const nodeName = obj.spec?.nodeName;
        if (nodeName) {
          const node = await this.deps.storage.tryGet(this.def("nodes"), undefined, nodeName);
          if (node) claims.node = { name: nodeName, uid: node.metadata.uid };
        }
        if (seconds === KUBELET_TOKEN_SECONDS) lifetime = EXTENDED_SECONDS;
      } else claims.secret = { name: obj.metadata.name, uid: obj.metadata.uid };
    }
    const iat = Math.floor(this.now().getTime() / 1000);
    const exp = iat + lifetime;
    if (lifetime !== seconds) claims.warnafter = iat + seconds;
    const audiences = spec.audiences?.length ? spec.audiences : this.apiAudiences;
    const token = signJwt({
      aud: audiences, exp, iat, nbf: iat, iss: this.issuer, jti: randomUUID(),
      "kubernetes.io": claims, sub: `system:serviceaccount:${namespace}:${name}`,
    }, this.deps.key.privateKey, this.kid);
    return { token, expirationTimestamp: new Date(exp * 1000).toISOString().replace(".000Z", "Z"), audiences };
  }

  /**
   * The user a token is, checked against `audiences` (default: the API's own); undefined when
   * the token is not ours, expired, for another audience, or bound to an object that is gone.
   */
  async authenticate(token: string, audiences = this.apiAudiences): Promise<{ user: UserInfo; audiences: string[] } | undefined> {
    const c = verifyJwt(token, this.publicKey, this.kid);
    if (!c || c.iss !== this.issuer) return undefined;
    const aud: string[] = Array.isArray(c.aud) ? c.aud : typeof c.aud === "string" ? [c.aud] : [];
    const matched = aud.filter((a) => audiences.includes(a));
    if (matched.length === 0) return undefined;
    const now = this.now().getTime() / 1000;
    if (typeof c.exp !== "number" || now >= c.exp || (typeof c.nbf === "number" && now < c.nbf)) return undefined;
    const k = c["kubernetes.io"];
    const ns: unknown = k?.namespace;
    const saName: unknown = k?.serviceaccount?.name;
    if (typeof ns !== "string" || typeof saName !== "string" || c.sub !== `system:serviceaccount:${ns}:${saName}`) return undefined;
    if (!(await this.stillThere("serviceaccounts", ns, saName, k.serviceaccount.uid))) return undefined;
    const extra: Record<string, string[]> = {};
    if (k.pod) {
      if (!(await this.stillThere("pods", ns, k.pod.name, k.pod.uid))) return undefined;
      extra["authentication.kubernetes.io/pod-name"] = [k.pod.name];
      extra["authentication.kubernetes.io/pod-uid"] = [k.pod.uid];
    }
    if (k.secret && !(await this.stillThere("secrets", ns, k.secret.name, k.secret.uid))) return undefined;
    if (k.node?.name) {
      extra["authentication.kubernetes.io/node-name"] = [k.node.name];
      if (k.node.uid) extra["authentication.kubernetes.io/node-uid"] = [k.node.uid];
    }
    if (typeof c.jti === "string") extra["authentication.kubernetes.io/credential-id"] = [`JTI=${c.jti}`];
    return {
      user: { user: c.sub, uid: k.serviceaccount.uid, groups: ["system:serviceaccounts", `system:serviceaccounts:${ns}`], extra },
      audiences: matched,
    };
  }

  private async stillThere(plural: string, ns: string, name: unknown, uid: unknown): Promise<boolean> {
    if (typeof name !== "string" || typeof uid !== "string") return false;
    const obj: KubeObject | undefined = await this.deps.storage.tryGet(this.def(plural), ns, name);
    return obj?.metadata.uid === uid;
  }

  /** Bearer tokens in the request's Authorization header. */
  get authenticator(): Authenticator {
    return {
      authenticate: async (req) => {
        const h = req.headers.get("authorization");
        const m = h ? /^Bearer\s+(\S+)\s*$/i.exec(h) : null;
        if (!m || m[1]!.split(".").length !== 3) return undefined;
        return (await this.authenticate(m[1]!))?.user;
      },
    };
  }

  /** `/.well-known/openid-configuration`, as the apiserver serves it for this issuer. */
  openidConfiguration(): object {
    return {
      issuer: this.issuer,
      jwks_uri: `${this.issuer}/openid/v1/jwks`,
      response_types_supported: ["id_token"],
      subject_types_supported: ["public"],
      id_token_signing_alg_values_supported: ["ES256"],
    };
  }

  /** `/openid/v1/jwks`. */
  jwks(): object {
    return { keys: [publicJwk(this.publicKey, this.kid)] };
  }
}
