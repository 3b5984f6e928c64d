import { expect, test } from "bun:test";
import { attemptedMethods, authenticationFailedMessage } from "./attempted-methods.ts";

test.each([
  [{ authorization: "Bearer abc" }, "/api", false, "Authentication failed, attempted: bearer"],
  [{ authorization: "Basic YTpi" }, "/api", true, "Authentication failed, attempted: basic, x509"],
  [{}, "/api?access_token=t", false, "Authentication failed, attempted: access_token"],
  [{ authorization: "Bearer" }, "/api", false, "Authentication failed, no credentials provided"],
  [{}, "/api", false, "Authentication failed, no credentials provided"],
] as const)("%j %s cert=%s → %s", (headers, path, certificate, message) => {
  const req = new Request(`https://h${path}`, { headers });
  expect(authenticationFailedMessage(attemptedMethods(req, { authorized: false, certificate }))).toBe(message);
});
