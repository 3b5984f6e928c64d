import { describe, expect, test } from "bun:test";
import { authenticate, clientCertAuthenticator } from "./authenticate.ts";
import type { PeerInfo } from "./types.ts";

const req = new Request("https://x/api/v1/pods");

describe("client certificate identity (CN = user, O = groups)", () => {
  test.each([
    ["the admin", { authorized: true, subject: { CN: "system:admin", O: "system:masters" } }, { user: "system:admin", groups: ["system:masters", "system:authenticated"] }],
    ["a node", { authorized: true, subject: { CN: "system:node:n1", O: "system:nodes" } }, { user: "system:node:n1", groups: ["system:nodes", "system:authenticated"] }],
    ["several groups", { authorized: true, subject: { CN: "alice", O: ["devs", "ops"] } }, { user: "alice", groups: ["devs", "ops", "system:authenticated"] }],
    ["no groups", { authorized: true, subject: { CN: "bob" } }, { user: "bob", groups: ["system:authenticated"] }],
    ["a cert the CA did not sign", { authorized: false, subject: { CN: "system:admin", O: "system:masters" } }, undefined],
    ["two CNs (ambiguous)", { authorized: true, subject: { CN: ["a", "b"] as unknown as string } }, undefined],
    ["an empty CN", { authorized: true, subject: { CN: "" } }, undefined],
  ] as [string, PeerInfo, unknown][])("%s", async (_name, peer, want) => {
    expect(await authenticate([clientCertAuthenticator], req, peer)).toEqual(want as any);
  });

  test("a cert claiming system:authenticated itself gets it once", async () => {
    const u = await authenticate([clientCertAuthenticator], req, { authorized: true, subject: { CN: "x", O: "system:authenticated" } });
    expect(u?.groups).toEqual(["system:authenticated"]);
  });
});
