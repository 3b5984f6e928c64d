import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RestClient } from "../client/rest-client.ts";
import { createCa, DAY_MS } from "../pki/ca.ts";
import { issueClientCert } from "../pki/certs.ts";
import { CertRenewer } from "./cert-renewer.ts";

const dir = mkdtempSync(join(tmpdir(), "k3rs-cert-renewer-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const T0 = new Date("2026-01-01T00:00:00Z");
const ca = await createCa({ now: new Date(T0.getTime() - DAY_MS) });
const node = (now = T0) => issueClientCert(ca, { commonName: "system:node:n1", organizations: ["system:nodes"], now });

/** A client whose requests are recorded and answered with `answer`. */
async function setup(answer: () => Promise<Response>) {
  const current = await node();
  const asked: Array<{ url: string; method?: string; body: unknown }> = [];
  const client = new RestClient({ server: "https://server:6443", ca: ca.certPem, cert: current.certPem, key: current.keyPem, path: "(test)" }, async (url, init) => {
    asked.push({ url, method: init.method, body: JSON.parse(String(init.body)) });
    return answer();
  });
  const renewer = new CertRenewer({ client, nodeName: "n1", nodePassword: "p".repeat(32), credentialsDir: dir, signal: new AbortController().signal });
  return { client, renewer, asked, current };
}

describe("CertRenewer.check", () => {
  test("not due: asks nothing", async () => {
    const { renewer, asked } = await setup(async () => new Response("{}"));
    expect(await renewer.check(new Date(T0.getTime() + 100 * DAY_MS))).toBe("not-due");
    expect(asked).toEqual([]);
  });

  test("inside the last 90 days: asks for its own name with its password, writes the pair, the client presents it", async () => {
    const fresh = await node(new Date(T0.getTime() + 300 * DAY_MS));
    const { client, renewer, asked } = await setup(async () => Response.json({ ...fresh, caPem: ca.certPem }));
    expect(await renewer.check(new Date(T0.getTime() + 300 * DAY_MS))).toBe("renewed");
    expect(asked).toEqual([{ url: "https://server:6443/v1-k3rs/renew", method: "POST", body: { nodeName: "n1", nodePassword: "p".repeat(32) } }]);
    expect(client.config.cert).toBe(fresh.certPem);
    expect(client.config.key).toBe(fresh.keyPem);
    expect(readFileSync(join(dir, "client-kubelet.crt"), "utf8")).toBe(fresh.certPem);
    expect(readFileSync(join(dir, "client-kubelet.key"), "utf8")).toBe(fresh.keyPem);
  });

  test("a refused renewal keeps the certificate in use and throws the server's reason", async () => {
    const { client, renewer, current } = await setup(async () =>
      Response.json({ kind: "Status", apiVersion: "v1", status: "Failure", code: 403, reason: "Forbidden", message: "the node password does not match" }, { status: 403 }));
    await expect(renewer.check(new Date(T0.getTime() + 300 * DAY_MS))).rejects.toThrow("the node password does not match");
    expect(client.config.cert).toBe(current.certPem);
  });

  test("expired: asks nothing, and says a new join is needed", async () => {
    const { renewer, asked } = await setup(async () => new Response("{}"));
    await expect(renewer.check(new Date(T0.getTime() + 366 * DAY_MS))).rejects.toThrow("restart the agent with --token to join again");
    expect(asked).toEqual([]);
  });
});
