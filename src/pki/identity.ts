/**
 * A client certificate's identity as Kubernetes reads it: CN is the user name, every O is a
 * group. Only certificates that chained to the cluster CA (node:tls `socket.authorized`) count.
 */
export interface CertIdentity {
  user: string;
  groups: string[];
}

/** The subject as node:tls `getPeerCertificate()` reports it: one O is a string, several an array. */
export interface PeerCertLike {
  subject?: { CN?: string | string[]; O?: string | string[] };
}

/**
 * @example identityFromPeerCert(socket.getPeerCertificate(), socket.authorized)
 * // { user: "system:admin", groups: ["system:masters", "system:authenticated"] }
 */
export function identityFromPeerCert(cert: PeerCertLike | undefined, authorized: boolean): CertIdentity | undefined {
  if (!authorized) return undefined;
  const cn = cert?.subject?.CN;
  // Several CNs are ambiguous; Kubernetes (Go's pkix.Name) keeps the last, we refuse instead.
  const user = Array.isArray(cn) ? (cn.length === 1 ? cn[0] : undefined) : cn;
  if (!user) return undefined;
  const o = cert?.subject?.O;
  const orgs = o === undefined ? [] : Array.isArray(o) ? o : [o];
  return { user, groups: [...new Set([...orgs.filter((g) => g !== ""), "system:authenticated"])] };
}
