/** Who is on the other end of a connection: what TLS learned, and who authentication decided it is. */

/**
 * Who is asking: the result of authentication, the input of authorization — Kubernetes'
 * `user.Info` (name, uid, groups, extra). Every authenticated user carries the group
 * `system:authenticated`; the anonymous one is `system:anonymous` in `system:unauthenticated`.
 */
export interface UserInfo {
  user: string;
  groups: string[];
  uid?: string;
  /** Extra attributes an authenticator attaches (a service-account token's pod name and uid). */
  extra?: Record<string, string[]>;
}

/** What the TLS layer learned about the connection. */
export interface PeerInfo {
  authorized: boolean;
  subject?: { CN?: string; O?: string | string[] };
  /** The client's address as the socket sees it (the audit log's sourceIPs; per-source budgets). */
  address?: string;
  /** A client certificate was presented, verified or not (a log line tells the attempt). */
  certificate?: boolean;
}
