/**
 * One real node for an end-to-end file: the built server with its embedded agent on its own
 * containerd (root only), its own data dir, node name, namespace and, where given, pod
 * network, so that such files never collide; kubectl helpers that fail with the server's log;
 * a teardown that leaves nothing behind (see real-node.ts).
 *
 * @example
 *   const c = await startRealCluster({ name: "logs", clusterCidr: "10.42.64.0/18" });
 *   await c.apply(pod);
 *   const out = await c.k("logs", "ticker", "-n", c.namespace);
 *   await c.close();
 */
import { copyFileSync, mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startE2EServer, type E2EServer } from "./e2e-server.ts";
import { addSafetyRoutes, cleanupRealNode } from "./real-node.ts";
import { ensureTestImages } from "./test-images.ts";
import { bridgeNameFor } from "../../src/agent/cni/cni-config.ts";

export interface RealClusterOptions {
  /** Names the data dir, the node (`e2e-<name>` unless `nodeName` is given) and, unless given, the namespace. */
  name: string;
  nodeName?: string;
  namespace?: string;
  /** `--cluster-cidr`; the node's podCIDR is the first /24 of it. */
  clusterCidr?: string;
  /** More `k3rs server` flags. */
  extraArgs?: string[];
  /** Put the busybox test image in the agent's images dir before start (default true). */
  preloadImages?: boolean;
}

export class RealCluster {
  server!: E2EServer;
  podCidr = "";

  constructor(
    readonly dataDir: string,
    readonly nodeName: string,
    readonly namespace: string,
    private readonly extraArgs: string[],
  ) {}

  /** kubectl with the cluster's kubeconfig; throws with stderr and the server log unless it succeeds. */
  async k(...args: string[]): Promise<string> {
    const r = await this.server.kubectl(args, { timeoutMs: 90_000 });
    if (r.code !== 0) throw new Error(`kubectl ${args.join(" ")} failed (${r.code}):\n${r.stderr}\n--- server log ---\n${this.server.logs().slice(-4000)}`);
    return r.stdout;
  }

  async json(...args: string[]): Promise<any> {
    return JSON.parse(await this.k(...args, "-o", "json"));
  }

  async apply(obj: object): Promise<void> {
    const r = await this.server.kubectl(["apply", "-f", "-"], { stdin: JSON.stringify(obj) });
    if (r.code !== 0) throw new Error(`apply failed: ${r.stderr}`);
  }

  /** Polls until fn() is truthy (a hang guard, not a threshold). */
  async until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 90_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = await fn();
      if (v) return v;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n--- server log ---\n${this.server.logs().slice(-4000)}`);
      await Bun.sleep(200);
    }
  }

  async nodeReady(): Promise<void> {
    await this.until("node Ready", async () => (await this.k("get", "node", this.nodeName, "-o", "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}")) === "True");
  }

  /** Starts the server on the same data dir and port (after a stop or a kill -9); `agent: false` runs it without its agent. */
  async start(o: { agent?: boolean } = {}): Promise<void> {
    const port = this.server?.port;
    this.server = o.agent === false
      ? await startE2EServer({ dataDir: this.dataDir, port, extraArgs: [...this.extraArgs, "--disable-agent"] })
      : await startE2EServer({ dataDir: this.dataDir, agent: "containerd", nodeName: this.nodeName, port, extraArgs: this.extraArgs });
  }

  /** Deletes the namespace, stops the server and removes everything the node left on the machine. */
  async close(): Promise<void> {
    if (this.server) {
      if (this.server.proc.exitCode === null) {
        await this.server.kubectl(["delete", "namespace", this.namespace, "--wait=true", "--timeout=60s"], { timeoutMs: 70_000 });
      }
      await this.server.stop();
    }
    await cleanupRealNode({ dataDir: this.dataDir, bridge: bridgeNameFor(this.dataDir), podCidr: this.podCidr || undefined });
  }
}

export async function startRealCluster(o: RealClusterOptions): Promise<RealCluster> {
  await addSafetyRoutes();
  const dataDir = mkdtempSync(join(tmpdir(), `k3rs-e2e-${o.name}-`));
  if (o.preloadImages !== false) {
    const images = await ensureTestImages();
    mkdirSync(join(dataDir, "agent", "images"), { recursive: true });
    copyFileSync(images.busybox, join(dataDir, "agent", "images", "busybox.tar"));
  }
  const c = new RealCluster(dataDir, o.nodeName ?? `e2e-${o.name}`, o.namespace ?? o.name, [...(o.clusterCidr ? ["--cluster-cidr", o.clusterCidr] : []), ...(o.extraArgs ?? [])]);
  try {
    await c.start();
    await c.nodeReady();
    c.podCidr = await c.k("get", "node", c.nodeName, "-o", "jsonpath={.spec.podCIDR}");
    await c.k("create", "namespace", c.namespace);
  } catch (e) {
    await c.close().catch(() => undefined);
    throw e;
  }
  return c;
}
