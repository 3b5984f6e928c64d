import type { PeerInfo, UserInfo } from "../../http/identity.ts";

export type { PeerInfo, UserInfo };

export interface Authenticator {
  /** undefined = these credentials say nothing (try the next authenticator). */
  authenticate(req: Request, peer: PeerInfo): Promise<UserInfo | undefined> | UserInfo | undefined;
}

/**
 * What is asked, as the apiserver's authorizer.Attributes: a resource request (verb on a
 * group's resource[/subresource], maybe in a namespace, maybe by name) or a request for a
 * non-resource path (`/healthz`, `/api`, `/metrics`) with the HTTP method's lower-case verb.
 */
export interface AuthorizationRequest {
  user: UserInfo;
  verb: string;
  resourceRequest: boolean;
  group: string;
  /** The API version asked for (only for the 403's details). */
  version?: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  /** A list or watch's field selector as sent (the apiserver's AuthorizeWithSelectors attributes). */
  fieldSelector?: string;
  path: string;
}

/**
 * An authorizer's answer. `allowed` false with `denied` unset is "no opinion": the next
 * authorizer of a union may still allow; `reason` is told in the 403 after the message.
 */
export interface Decision {
  allowed: boolean;
  denied?: boolean;
  reason?: string;
}

export interface Authorizer {
  authorize(req: AuthorizationRequest): Decision;
}

/** What the review resources (SelfSubjectAccessReview, …, TokenReview) ask of authentication and authorization. */
export interface ReviewDeps {
  authorizer: Authorizer;
  /** The rules a user holds in a namespace (SelfSubjectRulesReview); `incomplete` when some could not be resolved. */
  rulesFor(user: UserInfo, namespace: string): { resourceRules: object[]; nonResourceRules: object[]; incomplete: boolean; evaluationError?: string };
  /** A bearer token's user (TokenReview); absent: no token authenticator. */
  authenticateToken?(token: string, audiences: string[] | undefined): Promise<{ user: UserInfo; audiences: string[] } | undefined>;
}
