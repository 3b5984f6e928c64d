/**
 * Certificates by server name, from the `tls` sections of served Ingresses and the Secrets
 * they name (`kubernetes.io/tls`: `tls.crt`, `tls.key`), plus the default certificate for
 * names nobody claimed. The result is the `tls` array Bun.serve takes (its first entry, without
 * a server name, is what Bun presents to unknown names and to clients sending no SNI).
 *
 * A Secret that does not hold a usable pair (bad PEM, key not the certificate's) is left out
 * and reported, instead of taking the whole HTTPS listener down with it: Bun.serve refuses to
 * start on one bad entry.
 */
import { X509Certificate, createPrivateKey } from "node:crypto";
import type { KubeObject } from "../../model/object.ts";
import { objectKey } from "../../model/object.ts";

export interface TlsEntry {
  /** absent on the default entry */
  serverName?: string;
  cert: string;
  key: string;
}

interface IngressTls {
  created: string;
  ingress: string;
  /** host → Secret key */
  hosts: Map<string, string>;
}

export type PairResult = { ok: true; cert: string; key: string } | { ok: false; reason: string };

export class TlsTable {
  private readonly ingresses = new Map<string, IngressTls>();
  private readonly secrets = new Map<string, PairResult>();

  /** `defaultSecret`: `namespace/name` of the Secret holding the default certificate. */
  constructor(private readonly defaultSecret: string) {}

  upsertIngress(ing: KubeObject): void {
    const key = objectKey(ing.metadata.namespace, ing.metadata.name ?? "");
    const hosts = new Map<string, string>();
    for (const t of Array.isArray(ing.spec?.tls) ? ing.spec.tls : []) {
      if (typeof t?.secretName !== "string" || t.secretName === "") continue;
      const secret = objectKey(ing.metadata.namespace, t.secretName);
      // A tls entry without hosts covers nothing k3rs can name in SNI; the default certificate answers those.
      for (const h of Array.isArray(t.hosts) ? t.hosts : []) if (typeof h === "string" && h !== "" && !hosts.has(h.toLowerCase())) hosts.set(h.toLowerCase(), secret);
    }
    if (hosts.size === 0) this.ingresses.delete(key);
    else this.ingresses.set(key, { created: String(ing.metadata.creationTimestamp ?? ""), ingress: key, hosts });
  }

  deleteIngress(key: string): void {
    this.ingresses.delete(key);
  }

  /** Returns whether the table cares about this Secret (a named one, or the default). */
  upsertSecret(secret: KubeObject): PairResult {
    const key = objectKey(secret.metadata.namespace, secret.metadata.name ?? "");
    const pair = readPair(secret);
    this.secrets.set(key, pair);
    return pair;
  }

  deleteSecret(key: string): void {
    this.secrets.delete(key);
  }

  /** Whether a Secret of this key is one the table uses now. */
  uses(secretKey: string): boolean {
    if (secretKey === this.defaultSecret) return true;
    for (const i of this.ingresses.values()) for (const s of i.hosts.values()) if (s === secretKey) return true;
    return false;
  }

  /**
   * The entries for Bun.serve, default first, then one per host (the oldest Ingress's Secret
   * when two claim a host), sorted so equal tables compare equal; undefined without a usable
   * default certificate (the HTTPS listeners stay closed until it arrives).
   */
  entries(): TlsEntry[] | undefined {
    const def = this.secrets.get(this.defaultSecret);
    if (!def?.ok) return undefined;
    const byHost = new Map<string, { secret: string; created: string; ingress: string }>();
    for (const i of this.ingresses.values()) {
      for (const [host, secret] of i.hosts) {
        const cur = byHost.get(host);
        if (!cur || i.created < cur.created || (i.created === cur.created && i.ingress < cur.ingress)) byHost.set(host, { secret, created: i.created, ingress: i.ingress });
      }
    }
    const out: TlsEntry[] = [{ cert: def.cert, key: def.key }];
    for (const host of [...byHost.keys()].sort()) {
      const pair = this.secrets.get(byHost.get(host)!.secret);
      if (pair?.ok) out.push({ serverName: host, cert: pair.cert, key: pair.key });
    }
    return out;
  }
}

/** The PEM pair of a TLS Secret, checked: both parse and the key is the certificate's. */
export function readPair(secret: KubeObject): PairResult {
  const data = secret.data ?? {};
  const crt = data["tls.crt"];
  const key = data["tls.key"];
  if (typeof crt !== "string" || typeof key !== "string") return { ok: false, reason: "the Secret has no tls.crt and tls.key" };
  const cert = Buffer.from(crt, "base64").toString("utf8");
  const keyPem = Buffer.from(key, "base64").toString("utf8");
  try {
    const x = new X509Certificate(cert);
    if (!x.checkPrivateKey(createPrivateKey(keyPem))) return { ok: false, reason: "tls.key is not the private key of tls.crt" };
  } catch (e) {
    return { ok: false, reason: `tls.crt or tls.key is not valid PEM: ${e instanceof Error ? e.message : String(e)}` };
  }
  return { ok: true, cert, key: keyPem };
}

/** Two entry lists present the same certificates. */
export function sameEntries(a: TlsEntry[] | undefined, b: TlsEntry[] | undefined): boolean {
  if (!a || !b) return a === b;
  return a.length === b.length && a.every((e, i) => e.serverName === b[i]!.serverName && e.cert === b[i]!.cert && e.key === b[i]!.key);
}
