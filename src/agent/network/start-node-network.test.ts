import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import client from "prom-client";
import { RestClient } from "../../client/rest-client.ts";
import { DEFAULT_CLUSTER_NETWORK } from "../../model/cluster-network.ts";
import { NodeSetupError } from "../node/node-setup-error.ts";
import { startNodeNetwork } from "./start-node-network.ts";

const dataDir = mkdtempSync(join(tmpdir(), "netagent-start-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const base = () => ({
  client: new RestClient({ server: "https://k3rs.test", path: "(unused)" }, async () => new Response("{}", { status: 500 })),
  api: {} as any,
  nodeName: "n1",
  nodeIP: "192.0.2.5",
  dataDir,
  network: DEFAULT_CLUSTER_NETWORK,
  registry: new client.Registry(),
  signal: new AbortController().signal,
});

describe("startNodeNetwork", () => {
  test("a node that may not change its network (no root): registered NotReady with the reason, not dead", async () => {
    const r = await startNodeNetwork({ ...base(), run: async () => ({ code: 2, stdout: "", stderr: "RTNETLINK answers: Operation not permitted\n" }) });
    expect(r.network).toBeUndefined();
    expect(r.problem).toStartWith("cluster network is not available: ip link add ");
    expect(r.problem).toContain("Operation not permitted");
  });

  test("a --resolv-conf that does not exist stops the agent", async () => {
    const err = await startNodeNetwork({ ...base(), resolvConf: "/nonexistent/netagent-resolv.conf" }).catch((e) => e);
    expect(err).toBeInstanceOf(NodeSetupError);
    expect(err.message).toBe("--resolv-conf /nonexistent/netagent-resolv.conf: no such file");
  });
});
