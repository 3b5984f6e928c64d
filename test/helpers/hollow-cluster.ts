/**
 * An in-process cluster for integration tests: the real control plane (store, API, every
 * controller, scheduler) and N hollow nodes — the real agent code with the fake runtime —
 * talking to the API through its HTTP handler with node credentials, as over TLS.
 *
 * @example
 *   const c = await startHollowCluster({ nodes: 3 });
 *   await c.json("POST", "/apis/apps/v1/namespaces/default/deployments", deployment);
 *   await c.waitFor(async () => (await c.json("GET", "/api/v1/namespaces/default/pods")).body.items.length === 3);
 *   await c.close();
 */
import type { Env } from "../../src/api/app.ts";
import { RestClient } from "../../src/client/rest-client.ts";
import { runAgent, type AgentRunOptions, type RunningAgent } from "../../src/agent/run.ts";
import { FakeRuntime } from "../../src/agent/runtime/fake.ts";
import { startTestApi, type TestApi, type TestApiOptions } from "./api-harness.ts";

export interface HollowClusterOptions extends TestApiOptions {
  nodes: number;
  /** Base name of the nodes: `<prefix>-0` … Default "hollow". */
  prefix?: string;
  /** Agent timings; defaults are shortened for tests (lease 1 s, status 1 s, crash back-off 200 ms). */
  tuning?: AgentRunOptions["tuning"];
}

export interface HollowCluster extends TestApi {
  /** Names of the running hollow nodes. */
  nodeNames: string[];
  /** Starts more hollow nodes (a separate agent process-equivalent); returns their names. */
  addNodes(count: number, prefix: string): Promise<string[]>;
  /** The fake runtime of a hollow node: what its pods were given (env, mounts, paths). */
  runtimeOf(nodeName: string): FakeRuntime;
  /** Stops one agent group (its nodes stop renewing leases, as if the machine died). */
  stopNodes(prefix: string): void;
  /** Polls until fn() is truthy; throws with `what` after timeoutMs (a hang guard, not a threshold). */
  waitFor<T>(fn: () => Promise<T | undefined | false> | T | undefined | false, what?: string, timeoutMs?: number): Promise<T>;
}

/**
 * A hollow agent runs many nodes over one client, so it cannot be each of them at once as the
 * node authorizer and NodeRestriction would want (`system:node:<name>` for `<name>` only): it
 * talks as a cluster admin, as kubemark's hollow nodes share one kubeconfig. Real agents'
 * node identities are tested in node-authorizer.test.ts and the e2e join tests.
 */
const NODE_PEER = (name: string): Env["peer"] => ({ authorized: true, subject: { CN: `hollow:${name}`, O: "system:masters" } });

export async function startHollowCluster(o: HollowClusterOptions): Promise<HollowCluster> {
  const api = await startTestApi(o);
  const agents = new Map<string, { agent: RunningAgent; names: string[] }>();
  const tuning = { leaseRenewMs: 1000, statusCheckMs: 1000, backoffBaseMs: 200, ...o.tuning };

  async function addNodes(count: number, prefix: string): Promise<string[]> {
    const client = new RestClient({ server: "https://k3rs.test", path: "(hollow)" }, async (url, init) =>
      api.app.fetch(new Request(url, init), { peer: NODE_PEER(prefix), signal: init.signal ?? undefined }));
    const stop = new AbortController();
    const agent = await runAgent({ client, nodeName: prefix, dataDir: api.dir, runtime: "fake", simulate: count, signal: stop.signal, tuning });
    const names = agent.nodes.map((n) => n.name);
    agents.set(prefix, { agent, names });
    return names;
  }

  const nodeNames = await addNodes(o.nodes, o.prefix ?? "hollow");
  return {
    ...api,
    nodeNames,
    addNodes,
    runtimeOf(nodeName) {
      for (const { agent } of agents.values()) {
        const runtime = agent.nodes.find((n) => n.name === nodeName)?.runtime;
        if (runtime instanceof FakeRuntime) return runtime;
      }
      throw new Error(`no hollow node ${nodeName}`);
    },
    stopNodes(prefix) {
      agents.get(prefix)?.agent.stop();
      agents.delete(prefix);
    },
    async waitFor(fn, what = "condition", timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const v = await fn();
        if (v) return v as any;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await Bun.sleep(25);
      }
    },
    async close() {
      for (const { agent } of agents.values()) agent.stop();
      await api.close();
    },
  };
}
