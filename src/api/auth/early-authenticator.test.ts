import { describe, expect, test } from "bun:test";
import { clientCertAuthenticator, staticTokenAuthenticator } from "./authenticate.ts";
import { earlyAuthenticator } from "./early-authenticator.ts";

const auth = earlyAuthenticator([clientCertAuthenticator, staticTokenAuthenticator(new Map([["s3cret", { user: "loopback", groups: [] }]]))]);
const head = (path: string, headers: Record<string, string> = {}) => new Request(`https://x${path}`, { headers });

describe("early authentication (from the request head)", () => {
  test("public paths need no credentials", async () => {
    expect(await auth(head("/readyz"), { authorized: false })).toBe("public");
    expect(await auth(head("/v1-k3rs/join"), { authorized: false })).toBe("public");
  });
  test("a client certificate or a bearer token finds the user", async () => {
    expect(await auth(head("/api/v1/pods"), { authorized: true, subject: { CN: "admin", O: "system:masters" } })).toEqual({ user: "admin", groups: ["system:masters", "system:authenticated"] });
    expect(await auth(head("/api/v1/pods", { authorization: "Bearer s3cret" }), { authorized: false })).toEqual({ user: "loopback", groups: ["system:authenticated"] });
  });
  test("anything else is anonymous, even a path that decodes to a public one", async () => {
    expect(await auth(head("/api/v1/pods", { authorization: "Bearer wrong" }), { authorized: false })).toBeUndefined();
    expect(await auth(head("/read%79z"), { authorized: false })).toBeUndefined();
  });
});
