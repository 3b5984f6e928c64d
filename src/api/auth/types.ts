/** Who is asking: the result of authentication, the input of authorization. */
export interface UserInfo {
  user: string;
  groups: string[];
}

export interface Authenticator {
  /** undefined = these credentials say nothing (try the next authenticator). */
  authenticate(req: Request, peer: PeerInfo): Promise<UserInfo | undefined> | UserInfo | undefined;
}

/** What the TLS layer learned about the connection. */
export interface PeerInfo {
  authorized: boolean;
  subject?: { CN?: string; O?: string | string[] };
}

export interface AuthorizationRequest {
  user: UserInfo;
  verb: string;
  group: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  path: string;
}

export interface Authorizer {
  authorize(req: AuthorizationRequest): { allowed: boolean; reason?: string };
}
