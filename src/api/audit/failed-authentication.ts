/** The audit event of a request refused for its credentials, from what the transport or the app holds of it. */
import { attributesOf } from "../auth/attributes.ts";
import { attemptedMethods, authenticationFailedMessage } from "../auth/attempted-methods.ts";
import type { PeerInfo, UserInfo } from "../auth/types.ts";
import { log } from "../../log.ts";
import type { AuditLog } from "./audit-log.ts";
import { sourceIPs } from "./source-ips.ts";

/** Nobody: the policy is asked without a user, as the apiserver asks it before authentication. */
const NO_USER: UserInfo = Object.freeze({ user: "", groups: Object.freeze([]) as unknown as string[] });

export function auditFailedAuthentication(audit: AuditLog | undefined, req: Request, peer: PeerInfo, code: number, received: Date): void {
  if (!audit) return;
  try {
    const url = new URL(req.url);
    const start = { attrs: attributesOf(NO_USER, req.method, url), requestURI: url.pathname + url.search, userAgent: req.headers.get("user-agent") ?? undefined, sourceIPs: sourceIPs(req.headers, peer.address), received, longRunning: false };
    audit.failedAuthentication(start, code, authenticationFailedMessage(attemptedMethods(req, peer)));
  } catch (e) {
    log.warn("audit: recording a failed authentication failed", { error: String(e) });
  }
}
