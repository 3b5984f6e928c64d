/**
 * Node names are claimed with a node password: a second machine cannot take a name, nor a
 * name a Node still holds once its password Secret is gone; the server's own node claims its
 * name the same way (trusted, so a server upgraded from before node passwords keeps its node).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startTestApi, type TestApi } from "../helpers/api-harness.ts";
import { JoinService } from "../../src/server/join.ts";
import { createCa } from "../../src/pki/ca.ts";
import { formatToken } from "../../src/pki/token.ts";
import { isStatusError } from "../../src/model/errors.ts";

let api: TestApi;
let join: JoinService;
let bearer: string;
const PW1 = "a".repeat(32);
const PW2 = "b".repeat(32);

beforeAll(async () => {
  api = await startTestApi();
  const ca = await createCa({});
  join = new JoinService({ ca, secret: "s3cret", storage: api.storage, registry: api.registry });
  bearer = `Bearer ${formatToken("0".repeat(64), "s3cret")}`;
});
afterAll(async () => {
  await api.close();
});

const refused = (e: unknown) => (isStatusError(e, "Conflict") ? e.message : `not a conflict: ${e}`);

describe("node names", () => {
  test("the first password holds the name; another is refused; the same rejoins", async () => {
    expect((await join.join(bearer, { nodeName: "n1", nodePassword: PW1 })).certPem).toContain("BEGIN CERTIFICATE");
    expect(refused(await join.join(bearer, { nodeName: "n1", nodePassword: PW2 }).catch((e) => e))).toContain('node name "n1" is already taken');
    expect((await join.join(bearer, { nodeName: "n1", nodePassword: PW1 })).certPem).toContain("BEGIN CERTIFICATE");
  });

  test("a name an existing Node holds is not up for grabs when its password Secret is deleted", async () => {
    expect((await api.json("POST", "/api/v1/nodes", { metadata: { name: "n2" } })).status).toBe(201);
    const err = await join.join(bearer, { nodeName: "n2", nodePassword: PW2 }).catch((e) => e);
    expect(refused(err)).toContain('node name "n2" is held by an existing Node');
    expect((await api.json("DELETE", "/api/v1/nodes/n2")).status).toBe(200);
    expect((await join.join(bearer, { nodeName: "n2", nodePassword: PW2 })).certPem).toContain("BEGIN CERTIFICATE");
  });

  test("the server's own node claims its name at start, so the join token cannot take it", async () => {
    expect((await api.json("POST", "/api/v1/nodes", { metadata: { name: "server" } })).status).toBe(201);
    await join.claimNodeName({ nodeName: "server", nodePassword: PW1 }, true);
    const secret = await api.json("GET", "/api/v1/namespaces/kube-system/secrets/server.node-password.k3rs");
    expect(secret.status).toBe(200);
    expect(refused(await join.join(bearer, { nodeName: "server", nodePassword: PW2 }).catch((e) => e))).toContain("already taken");
  });

  test("--agent-token: agents may join with it as with the server token; anything else is 401", async () => {
    const withAgent = new JoinService({ ca: await createCa({}), secret: "s3cret", agentSecret: "ag3nt", storage: api.storage, registry: api.registry });
    const t = (secret: string, user = "node") => `Bearer ${formatToken("0".repeat(64), secret, user)}`;
    expect((await withAgent.join(t("ag3nt"), { nodeName: "a1", nodePassword: PW1 })).certPem).toContain("BEGIN CERTIFICATE");
    expect((await withAgent.join(t("s3cret", "server"), { nodeName: "a2", nodePassword: PW1 })).certPem).toContain("BEGIN CERTIFICATE");
    const wrong = await withAgent.join(t("guess"), { nodeName: "a3", nodePassword: PW1 }).catch((e) => e);
    expect(isStatusError(wrong, "Unauthorized")).toBe(true);
    // Without --agent-token, the agent secret is no secret at all.
    expect(isStatusError(await join.join(t("ag3nt"), { nodeName: "a4", nodePassword: PW1 }).catch((e) => e), "Unauthorized")).toBe(true);
  });
});
