/**
 * Authentication chain: client certificates signed by the cluster CA (verified by the TLS
 * layer, identity from CN/O), then bearer tokens. Anything else is anonymous and gets 401.
 */
import { timingSafeEqual } from "node:crypto";
import { identityFromPeerCert } from "../../pki/identity.ts";
import type { Authenticator, PeerInfo, UserInfo } from "./types.ts";

export const AUTHENTICATED_GROUP = "system:authenticated";
export const UNAUTHENTICATED_GROUP = "system:unauthenticated";

/** Who asks a public path without credentials (the apiserver's anonymous authenticator). */
export const ANONYMOUS: UserInfo = Object.freeze({ user: "system:anonymous", groups: Object.freeze([UNAUTHENTICATED_GROUP]) as string[] });

/** CN is the user, every O a group (as Kubernetes reads x509 client certs); only certs that chained to the CA. */
export const clientCertAuthenticator: Authenticator = {
  authenticate(_req, peer) {
    return identityFromPeerCert(peer, peer.authorized);
  },
};

/** Adds `system:authenticated` once, as the apiserver's group adder does for every authenticated user. */
export function withAuthenticatedGroup(u: UserInfo): UserInfo {
  return u.groups.includes(AUTHENTICATED_GROUP) ? u : { ...u, groups: [...u.groups, AUTHENTICATED_GROUP] };
}

/** Static bearer tokens (token → user), e.g. the server's own loopback token. */
export function staticTokenAuthenticator(tokens: Map<string, UserInfo>): Authenticator {
  const entries = [...tokens].map(([t, u]) => [Buffer.from(t), u] as const);
  return {
    authenticate(req) {
      const h = req.headers.get("authorization");
      if (!h?.startsWith("Bearer ")) return undefined;
      const given = Buffer.from(h.slice(7).trim());
      for (const [token, user] of entries) {
        if (token.length === given.length && timingSafeEqual(token, given)) return withAuthenticatedGroup(user);
      }
      return undefined;
    },
  };
}

export async function authenticate(chain: Authenticator[], req: Request, peer: PeerInfo): Promise<UserInfo | undefined> {
  for (const a of chain) {
    const u = await a.authenticate(req, peer);
    if (u) return withAuthenticatedGroup(u);
  }
  return undefined;
}
