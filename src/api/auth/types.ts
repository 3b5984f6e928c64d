import type { PeerInfo, UserInfo } from "../../http/identity.ts";

export type { PeerInfo, UserInfo };

export interface Authenticator {
  /** undefined = these credentials say nothing (try the next authenticator). */
  authenticate(req: Request, peer: PeerInfo): Promise<UserInfo | undefined> | UserInfo | undefined;
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
