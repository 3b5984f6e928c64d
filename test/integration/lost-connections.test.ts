/**
 * An agent whose connections to the server were lost without a word — the server's box lost
 * power and came back, so no FIN ever reached the agent — still hears of new pods. Its watches
 * only read, so nothing would ever tell them; they give up after a silence of three missed
 * bookmarks (client/rest-client.ts, shortened here) and the informers watch again.
 *
 * A partition is the other way to lose a connection: a request written on it waits for an
 * answer forever. The agent's heartbeats time out (the kubelet's heartbeat client does), so
 * the next goes out on a new connection and the node stays Ready.
 *
 * The real agent (fake runtime) talks HTTPS to a real server through a relay that forgets or
 * stalls every open connection on demand (helpers/power-loss-relay.ts).
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RestClient } from "../../src/client/rest-client.ts";
import { loadKubeconfig } from "../../src/client/kubeconfig.ts";
import { runAgent, type RunningAgent } from "../../src/agent/run.ts";
import type { ServerHandle } from "../../src/server/run.ts";
import { nodeTls, startHttpsTestServer } from "../helpers/https-server.ts";
import { startPowerLossRelay, type PowerLossRelay } from "../helpers/power-loss-relay.ts";

const NODE = "lost-conn-node";
const NS = "/api/v1/namespaces/default";
let dir: string;
let server: ServerHandle;
let relay: PowerLossRelay;
let admin: RestClient;
let agent: RunningAgent;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "k3rs-lost-conn-"));
  server = await startHttpsTestServer(join(dir, "server-data"), "lost-conn-server");
  admin = new RestClient(loadKubeconfig(server.kubeconfigPath));
  relay = startPowerLossRelay(server.port);
  const t = await nodeTls(join(dir, "server-data"), NODE);
  const client = new RestClient({ server: `https://127.0.0.1:${relay.port}`, ca: t.ca, cert: t.cert, key: t.key, path: "(agent)" }, undefined, { watchIdleMs: 1_000 });
  agent = await runAgent({ client, nodeName: NODE, dataDir: join(dir, "agent-data"), runtime: "fake", signal: new AbortController().signal, tuning: { leaseRenewMs: 1000, statusCheckMs: 1000, backoffBaseMs: 200 } });
});

afterAll(async () => {
  agent?.stop();
  relay?.stop();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function runningWithin(name: string, ms: number): Promise<boolean> {
  for (const deadline = Date.now() + ms; Date.now() < deadline; await Bun.sleep(50)) {
    const pod = await admin.request(`${NS}/pods/${name}`).catch(() => undefined);
    if (pod?.status?.phase === "Running") return true;
  }
  return false;
}

const pod = (name: string) => ({ apiVersion: "v1", kind: "Pod", metadata: { name }, spec: { nodeName: NODE, containers: [{ name: "c", image: "busybox" }] } });

test("after every connection is lost unannounced, a pod created for the node still runs", async () => {
  await admin.request(`${NS}/pods`, { method: "POST", body: pod("before") });
  // Hang guards, not thresholds.
  expect(await runningWithin("before", 20_000)).toBe(true);

  expect(relay.forget()).toBeGreaterThan(0);
  await admin.request(`${NS}/pods`, { method: "POST", body: pod("after") });
  expect(await runningWithin("after", 30_000)).toBe(true);
}, 60_000);

test("after a partition stalls every connection, the agent's heartbeats go on over new ones", async () => {
  const renewed = async () => (await admin.request(`/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${NODE}`)).spec.renewTime as string;
  const before = await renewed();
  expect(relay.stall()).toBeGreaterThan(0);
  // Hang guard, not a threshold: renewals come each second, each given a second at most.
  let now = before;
  for (const deadline = Date.now() + 20_000; now === before && Date.now() < deadline; await Bun.sleep(100)) now = await renewed();
  expect(Date.parse(now)).toBeGreaterThan(Date.parse(before));
}, 60_000);
