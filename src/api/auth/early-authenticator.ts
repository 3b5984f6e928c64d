/**
 * Authentication the transport does from the request head alone, before a byte of the body
 * is read: an anonymous client gets its 401 without the server taking its upload, and the
 * user found is handed to the app (`Env.user`) so the chain runs once per request.
 */
import { authenticateLimited } from "./limited-authenticate.ts";
import type { AuthFailureLimiter } from "./failure-limiter.ts";
import type { AuditLog } from "../audit/audit-log.ts";
import { auditFailedAuthentication } from "../audit/failed-authentication.ts";
import { isStatusError } from "../../model/errors.ts";
import { isPublicPath } from "./public-paths.ts";
import type { Authenticator, PeerInfo, UserInfo } from "./types.ts";
import type { EarlyAuthentication } from "../../http/node-fetch.ts";

/** The user; "public" for a path anyone may ask; undefined: answer 401. */
export type { EarlyAuthentication };

export type EarlyAuthenticator = (head: Request, peer: PeerInfo) => Promise<EarlyAuthentication>;

/**
 * `failures`: the per-source budget of failed attempts (past it, a failure throws a 429
 * StatusError); `audit`: where a refused request is recorded (it never reaches the app).
 */
export function earlyAuthenticator(chain: Authenticator[], failures?: AuthFailureLimiter, audit?: AuditLog): EarlyAuthenticator {
  return async (head, peer) => {
    // The app decides what is public by the same path; a path it would decode to a public
    // one (`/read%79z`) is simply authenticated here, never the other way round.
    if (isPublicPath(new URL(head.url).pathname)) return "public";
    const received = new Date();
    try {
      const user = await authenticateLimited(chain, head, peer, failures);
      if (!user) auditFailedAuthentication(audit, head, peer, 401, received);
      return user;
    } catch (e) {
      if (isStatusError(e)) auditFailedAuthentication(audit, head, peer, e.code, received);
      throw e;
    }
  };
}
