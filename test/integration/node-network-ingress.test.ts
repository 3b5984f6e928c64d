/**
 * The node network runs the Ingress controller on the Service and EndpointSlice informers it
 * already has, unless the cluster says `--disable=ingress`. Loopback only: node 127.0.0.67,
 * ingress on 127.0.0.66 (free ports), a Bun.serve backend on 127.0.0.68, iproute2 replaced.
 */
import { afterAll, expect, test } from "bun:test";
import client from "prom-client";
import { startTestApi, type TestApi } from "../helpers/api-harness.ts";
import { RestClient } from "../../src/client/rest-client.ts";
import { NodeNetwork } from "../../src/agent/network/node-network.ts";
import { DEFAULT_CLUSTER_NETWORK } from "../../src/model/cluster-network.ts";
import { ingress, service, slice } from "../../src/net/ingress/test-objects.ts";

const NODE = "ingress-net";
const stops: (() => unknown)[] = [];
afterAll(async () => {
  for (const s of stops.reverse()) await s();
});

async function nodeNetwork(api: TestApi, disable: string[]): Promise<NodeNetwork> {
  const rest = new RestClient({ server: "https://k3rs.test", path: "(node)" }, async (url, init) =>
    api.app.fetch(new Request(url, init), { peer: { authorized: true, subject: { CN: `system:node:${NODE}`, O: "system:nodes" } }, signal: init.signal ?? undefined }));
  const stop = new AbortController();
  const net = new NodeNetwork({
    client: rest,
    nodeName: NODE,
    nodeIP: "127.0.0.67",
    dataDir: api.dir,
    network: { ...DEFAULT_CLUSTER_NETWORK, flannelBackend: "host-gw", disable: ["coredns", ...disable] },
    registry: new client.Registry(),
    patchNode: async () => ({}),
    event: () => {},
    signal: stop.signal,
    run: async () => ({ code: 0, stdout: "[]", stderr: "" }),
    ownAddresses: false,
    routes: false,
    ingress: { addresses: ["127.0.0.66"], http: 0, https: 0 },
  });
  stops.push(async () => {
    stop.abort();
    await net.stop();
  });
  await net.start();
  return net;
}

test("an Ingress is served through the node network's own informers", async () => {
  const api = await startTestApi();
  stops.push(() => api.close());
  const backend = Bun.serve({ hostname: "127.0.0.68", port: 0, fetch: () => new Response("through the node") });
  stops.push(() => backend.stop(true));
  expect((await api.json("POST", "/api/v1/namespaces/default/services", service("web", [{ port: 80 }]))).status).toBe(201);
  expect((await api.json("POST", "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices", slice("web", [{ port: backend.port! }], [{ ip: "127.0.0.68" }]))).status).toBe(201);
  expect((await api.json("POST", "/apis/networking.k8s.io/v1/namespaces/default/ingresses", ingress("web", { host: "node.test", paths: [{ path: "/", service: "web" }] }))).status).toBe(201);
  const net = await nodeNetwork(api, []);
  expect(net.ingress).toBeDefined();
  let port: number | undefined;
  for (let i = 0; i < 100 && !(port = net.ingress!.listeners.port("http")); i++) await Bun.sleep(20);
  const res = await fetch(`http://127.0.0.66:${port}/`, { headers: { host: "node.test" } });
  expect(res.status).toBe(200);
  expect(await res.text()).toBe("through the node");
});

test("with --disable=ingress the node network starts no Ingress controller", async () => {
  const api = await startTestApi({ disable: ["ingress"] });
  stops.push(() => api.close());
  const net = await nodeNetwork(api, ["ingress"]);
  expect(net.ingress).toBeUndefined();
});
