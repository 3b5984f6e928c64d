/** Who is on the other end of a connection: what TLS learned, and who authentication decided it is. */

/** Who is asking: the result of authentication, the input of authorization. */
export interface UserInfo {
  user: string;
  groups: string[];
}

/** What the TLS layer learned about the connection. */
export interface PeerInfo {
  authorized: boolean;
  subject?: { CN?: string; O?: string | string[] };
}
