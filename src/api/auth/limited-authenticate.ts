/**
 * The authentication chain with the failure budget of its source (failure-limiter.ts): a
 * request whose credentials fail gets 401 while its address is within budget and 429 with
 * Retry-After past it; each source's failures are logged at a bounded rate. A request whose
 * credentials pass is answered as always, whatever its address's budget.
 */
import { StatusError } from "../../model/errors.ts";
import { log } from "../../log.ts";
import { authenticate } from "./authenticate.ts";
import { sourceKey, type AuthFailureLimiter } from "./failure-limiter.ts";
import type { Authenticator, PeerInfo, UserInfo } from "./types.ts";
import { attemptedMethods } from "./attempted-methods.ts";

/** The user, or undefined (answer 401); throws a 429 StatusError when the source is over budget. */
export async function authenticateLimited(chain: Authenticator[], req: Request, peer: PeerInfo, limiter: AuthFailureLimiter | undefined): Promise<UserInfo | undefined> {
  const user = await authenticate(chain, req, peer);
  // No address, no source to budget (requests handed to the app in-process; the transport always has one).
  if (user || !limiter || !peer.address) return user;
  const source = sourceKey(peer.address);
  const v = limiter.fail(source);
  if (v.log) {
    log.warn("authentication failed", {
      source,
      attempted: attemptedMethods(req, peer).join(",") || "none",
      failures: v.failures,
      limited: v.limited,
      ...(v.suppressedLines ? { otherSourcesNotLogged: v.suppressedLines } : {}),
    });
  }
  if (!v.limited) return undefined;
  return Promise.reject(tooManyFailures(v.retryAfterSeconds));
}

/** As the apiserver words its own 429s, with the delay in details and (by statusResponse) Retry-After. */
export function tooManyFailures(retryAfterSeconds: number): StatusError {
  return new StatusError(429, "TooManyRequests", "Too many failed authentication attempts from this address, please try again later.", { retryAfterSeconds });
}
