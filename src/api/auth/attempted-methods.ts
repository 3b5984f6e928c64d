/**
 * Which credentials a request presented, named as the apiserver's failed-authentication audit
 * names them (basic, bearer, access_token, x509) — never the credentials themselves.
 */
import type { PeerInfo } from "./types.ts";

export function attemptedMethods(req: Request, peer: PeerInfo): string[] {
  const methods: string[] = [];
  const auth = (req.headers.get("authorization") ?? "").trim();
  const [scheme = "", rest] = auth.split(/\s+/, 2);
  if (scheme.toLowerCase() === "basic" && rest) methods.push("basic");
  if (scheme.toLowerCase() === "bearer" && rest) methods.push("bearer");
  if (new URL(req.url).searchParams.get("access_token")?.trim()) methods.push("access_token");
  if (peer.certificate) methods.push("x509");
  return methods;
}

/** The apiserver's message for a failed authentication (its audit event's responseStatus.message). */
export function authenticationFailedMessage(methods: string[]): string {
  return methods.length ? `Authentication failed, attempted: ${methods.join(", ")}` : "Authentication failed, no credentials provided";
}
