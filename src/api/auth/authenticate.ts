/**
 * Authentication chain: client certificates signed by the cluster CA (verified by the TLS
 * layer, identity from CN/O), then bearer tokens. Anything else is anonymous and gets 401.
 */
import { timingSafeEqual } from "node:crypto";
import type { Authenticator, PeerInfo, UserInfo } from "./types.ts";

export const clientCertAuthenticator: Authenticator = {
  authenticate(_req, peer) {
    if (!peer.authorized || !peer.subject?.CN) return undefined;
    const o = peer.subject.O;
    const groups = o === undefined ? [] : Array.isArray(o) ? o : [o];
    return { user: peer.subject.CN, groups: [...groups, "system:authenticated"] };
  },
};

/** Static bearer tokens (token → user), e.g. the server's own loopback token. */
export function staticTokenAuthenticator(tokens: Map<string, UserInfo>): Authenticator {
  const entries = [...tokens].map(([t, u]) => [Buffer.from(t), u] as const);
  return {
    authenticate(req) {
      const h = req.headers.get("authorization");
      if (!h?.startsWith("Bearer ")) return undefined;
      const given = Buffer.from(h.slice(7).trim());
      for (const [token, user] of entries) {
        if (token.length === given.length && timingSafeEqual(token, given)) return { ...user, groups: [...user.groups, "system:authenticated"] };
      }
      return undefined;
    },
  };
}

export async function authenticate(chain: Authenticator[], req: Request, peer: PeerInfo): Promise<UserInfo | undefined> {
  for (const a of chain) {
    const u = await a.authenticate(req, peer);
    if (u) return u;
  }
  return undefined;
}
