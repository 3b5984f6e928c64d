/**
 * `--disable=ingress`: the server makes no IngressClass (and removes the one it made before),
 * so a node's ingress controller keeps ports 80/443 closed.
 */
import { afterAll, expect, test } from "bun:test";
import client from "prom-client";
import { startTestApi, type TestApi } from "../helpers/api-harness.ts";
import { RestClient } from "../../src/client/rest-client.ts";
import { startIngress } from "../../src/net/ingress/start-ingress.ts";
import { createControlPlane } from "../../src/server/control-plane.ts";
import { DEFAULT_CLUSTER_NETWORK } from "../../src/model/cluster-network.ts";

let api: TestApi | undefined;
const stop = new AbortController();
afterAll(async () => {
  stop.abort();
  await api?.close();
});

test("with ingress disabled there is no k3rs IngressClass, no default certificate, and the node listens on nothing", async () => {
  api = await startTestApi({ disable: ["ingress"] });
  expect((await api.json("GET", "/apis/networking.k8s.io/v1/ingressclasses/k3rs")).status).toBe(404);
  expect((await api.json("GET", "/api/v1/namespaces/kube-system/secrets/k3rs-ingress-default-cert")).status).toBe(404);
  const rest = new RestClient({ server: "https://k3rs.test", path: "(test)" }, async (url, init) =>
    api!.app.fetch(new Request(url, init), { peer: { authorized: true, subject: { CN: "system:admin", O: "system:masters" } }, signal: init.signal ?? undefined }),
  );
  const ctl = await startIngress({ client: rest, nodeIPs: ["127.0.0.62"], ports: { http: 0, https: 0 }, registry: new client.Registry(), signal: stop.signal });
  expect(ctl.listeners.port("http")).toBeUndefined();
  expect(ctl.listeners.port("https")).toBeUndefined();
  await ctl.stop();
});

test("a server started with ingress on, then with it disabled, removes the class it made", async () => {
  const a = await startTestApi();
  try {
    expect((await a.json("GET", "/apis/networking.k8s.io/v1/ingressclasses/k3rs")).status).toBe(200);
    const cp = await createControlPlane({ store: a.store, serviceCidr: "10.43.0.0/16", advertiseAddress: "127.0.0.1:6443", nodeIp: "127.0.0.1", ready: () => true, network: { ...DEFAULT_CLUSTER_NETWORK, disable: ["ingress"] } });
    await cp.start(6443);
    await cp.stop();
    expect((await a.json("GET", "/apis/networking.k8s.io/v1/ingressclasses/k3rs")).status).toBe(404);
  } finally {
    await a.close();
  }
});
