import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import client from "prom-client";
import { RestClient } from "../../client/rest-client.ts";
import { DEFAULT_CLUSTER_NETWORK } from "../../model/cluster-network.ts";
import { NodeSetupError } from "../node/node-setup-error.ts";
import { ingressListenAddresses, startNodeNetwork } from "./start-node-network.ts";

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

describe("ingressListenAddresses", () => {
  test("the node's addresses and loopback, never the wildcard", () => {
    expect(ingressListenAddresses("192.0.2.5")).toEqual(["192.0.2.5", "127.0.0.1"]);
    expect(ingressListenAddresses("192.0.2.5", "198.51.100.7")).toEqual(["192.0.2.5", "198.51.100.7", "127.0.0.1"]);
  });

  test("an ingress listener on them binds beside the service proxy's exclusive ClusterIP listener on the same port; a wildcard one cannot", () => {
    // what tcp-proxy.ts binds for a ClusterIP frontend
    const clusterIP = Bun.listen({ hostname: "127.0.0.2", port: 0, exclusive: true, socket: { data() {} } });
    try {
      const port = clusterIP.port;
      expect(() => Bun.serve({ hostname: "0.0.0.0", port, fetch: () => new Response("") }).stop(true)).toThrow();
      for (const hostname of ingressListenAddresses("127.0.0.3")) Bun.serve({ hostname, port, fetch: () => new Response("") }).stop(true);
    } finally {
      clusterIP.stop(true);
    }
  });
});
