import { expect, spyOn, test } from "bun:test";
import { authenticateLimited } from "./limited-authenticate.ts";
import { AuthFailureLimiter } from "./failure-limiter.ts";
import { isStatusError } from "../../model/errors.ts";
import type { Authenticator } from "./types.ts";

const tokenIsGood: Authenticator = { authenticate: (req) => (req.headers.get("authorization") === "Bearer good" ? { user: "u", groups: [] } : undefined) };
const req = (token: string) => new Request("https://h/api", { headers: { authorization: `Bearer ${token}` } });

test("failures past the budget throw a 429 Status; good credentials from the same address pass; no address, no budget", async () => {
  const stderr = spyOn(process.stderr, "write").mockImplementation(() => true);
  try {
    const limiter = new AuthFailureLimiter({ burst: 2, perSecond: 0.001 });
    const peer = { authorized: false, address: "10.0.0.1" };
    expect(await authenticateLimited([tokenIsGood], req("bad"), peer, limiter)).toBeUndefined();
    expect(await authenticateLimited([tokenIsGood], req("bad"), peer, limiter)).toBeUndefined();
    const refused = await authenticateLimited([tokenIsGood], req("bad"), peer, limiter).catch((e) => e);
    expect(isStatusError(refused, "TooManyRequests")).toBe(true);
    expect(refused.details.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect((await authenticateLimited([tokenIsGood], req("good"), peer, limiter))?.user).toBe("u");
    for (let i = 0; i < 5; i++) expect(await authenticateLimited([tokenIsGood], req("bad"), { authorized: false }, limiter)).toBeUndefined();
    // One line for the address (its first failure), none for the later ones within the minute.
    expect(stderr.mock.calls.filter((c) => String(c[0]).includes('"source":"10.0.0.1"'))).toHaveLength(1);
  } finally {
    stderr.mockRestore();
  }
});
