/**
 * A real multi-node cluster on one machine for end-to-end files (root only): the BUILT
 * executable as `k3rs server` (with its embedded agent) in the first network namespace and as
 * `k3rs agent` in the others, each node with its own data dir and its own containerd (the
 * agent starts it; it inherits the namespace), wired by node-netns.ts. The real kubectl runs
 * on the host against the server's node IP. Processes are entered with `nsenter --net`, never
 * `ip netns exec` (which remounts /sys and breaks runc's cgroup discovery, see DESIGN.md).
 *
 * Everything is named from the caller's prefix: namespaces `k3rs-<prefix>-<i>`, the host bridge
 * `<prefix>br`, data dirs under /tmp/k3rs-<prefix>/. A start first removes what a crashed run of
 * the same prefix left; `close()` leaves nothing (processes by PID, containerd and its
 * containers, mounts, cgroups, namespaces with every link and rule in them, the bridge, the
 * data dirs).
 *
 * @example
 *   const c = await startMultiNode({ prefix: "mnbasic", subnet: 230, clusterCidr: "10.42.160.0/19", agents: 1 });
 *   await c.apply(pod);
 *   await c.execInPod("p", ["hostname"]);
 *   await c.close();
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import YAML from "yaml";
import { K3RS_BIN, KUBECTL } from "./e2e-server.ts";
import { addNodeNetns, createNodeNetns, hostVeths, netnsOf, removeNodeNetns, type NodeNetns } from "./node-netns.ts";
import { addSafetyRoutes, removeEmptyPodCgroups, stopAgentContainerd, unmountUnder } from "./real-node.ts";
import { sh } from "./shell.ts";
import { ensureTestImages } from "./test-images.ts";

export const API_PORT = 6443;

/** Thrown inside a waitFor callback to stop waiting at once (a process died). */
export class GiveUp extends Error {}

export interface MultiNodeOptions {
  /** Names everything this cluster makes; ≤ 11 characters (interface names are ≤ 15). */
  prefix: string;
  /** Third octet of the nodes' subnet 172.31.N.0/24 (multi-node files take 230–239). */
  subnet: number;
  /** `--cluster-cidr`, distinct per file. */
  clusterCidr: string;
  /** How many `k3rs agent` nodes beside the server's own (default 1). */
  agents?: number;
  serverArgs?: string[];
  /** More flags for every agent, or per agent index. */
  agentArgs?: string[] | ((i: number) => string[]);
  /** Put the busybox test image in each node's images dir (default true). */
  preloadImages?: boolean;
  /** Namespace created for the file's objects (default: the prefix). */
  namespace?: string;
  /** Runs once the namespaces are wired, before any k3rs process starts (an upstream resolver, say). */
  setup?: (c: MultiNodeCluster) => Promise<void>;
}

export interface ClusterNode extends NodeNetns {
  name: string;
  dataDir: string;
  role: "server" | "agent";
  proc?: ReturnType<typeof Bun.spawn>;
  output: string;
}

export class MultiNodeCluster {
  readonly kubeconfig: string;
  token = "";
  /** Helper processes (not nodes) started in the namespaces; ended by PID at close. */
  private readonly helpers: ReturnType<typeof Bun.spawn>[] = [];

  constructor(
    readonly o: MultiNodeOptions,
    readonly baseDir: string,
    readonly nodes: ClusterNode[],
    readonly namespace: string,
    readonly hostIp: string,
  ) {
    this.kubeconfig = join(baseDir, "kubeconfig.yaml");
  }

  get prefix(): string {
    return this.o.prefix;
  }

  get server(): ClusterNode {
    return this.nodes[0]!;
  }

  /** kubectl on the host; exit code and both streams. */
  async kubectl(args: string[], o: { stdin?: string; timeoutMs?: number } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
    const p = Bun.spawn([KUBECTL, "--kubeconfig", this.kubeconfig, ...args], {
      stdin: o.stdin !== undefined ? new TextEncoder().encode(o.stdin) : "ignore",
      stdout: "pipe",
      stderr: "pipe",
      env: { ...process.env, KUBECACHEDIR: join(this.baseDir, "kubecache"), HOME: this.baseDir },
    });
    const timer = setTimeout(() => p.kill(9), o.timeoutMs ?? 60_000);
    const [stdout, stderr] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text()]);
    const code = await p.exited;
    clearTimeout(timer);
    return { code, stdout, stderr };
  }

  /** kubectl that must succeed; the error carries stderr and every node's log tail. */
  async k(...args: string[]): Promise<string> {
    const r = await this.kubectl(args, { timeoutMs: 90_000 });
    if (r.code !== 0) throw new Error(`kubectl ${args.join(" ")} failed (${r.code}):\n${r.stderr}\n${this.logs()}`);
    return r.stdout;
  }

  async json(...args: string[]): Promise<any> {
    return JSON.parse(await this.k(...args, "-o", "json"));
  }

  async apply(...objs: object[]): Promise<void> {
    // YAML documents: kubectl cannot split JSON ones at `---`, and a `kind: List` makes it
    // validate against /openapi/v2 as protobuf, which the server does not serve (406).
    const r = await this.kubectl(["apply", "-f", "-"], { stdin: objs.map((o) => YAML.stringify(o)).join("---\n") });
    if (r.code !== 0) throw new Error(`kubectl apply failed: ${r.stderr}\n${this.logs()}`);
  }

  /** Polls until fn() is truthy (a hang guard, not a threshold); the error carries the node logs. */
  async waitFor<T>(what: string, fn: () => Promise<T | undefined | false | null>, timeoutMs = 90_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    for (;;) {
      try {
        const v = await fn();
        if (v) return v;
      } catch (e) {
        if (e instanceof GiveUp) throw new Error(`${what}: ${e.message}\n${this.logs()}`);
        last = e;
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `\nlast error: ${(last as Error).message}` : ""}\n${this.logs()}`);
      await Bun.sleep(250);
    }
  }

  async nodesReady(): Promise<void> {
    await this.waitFor("every node Ready", async () => {
      this.assertRunning();
      const list = await this.json("get", "nodes");
      const ready = new Set(list.items.filter((n: any) => n.status?.conditions?.some((c: any) => c.type === "Ready" && c.status === "True")).map((n: any) => n.metadata.name));
      return this.nodes.every((n) => ready.has(n.name));
    });
  }

  /** Throws GiveUp when a node's k3rs process has exited. */
  assertRunning(): void {
    for (const n of this.nodes) if (n.proc && n.proc.exitCode !== null) throw new GiveUp(`${n.role} ${n.name} exited with ${n.proc.exitCode}`);
  }

  /** Waits until the pod is Running and Ready; returns it. */
  async podReady(name: string, ns = this.namespace): Promise<any> {
    return this.waitFor(`pod ${ns}/${name} Ready`, async () => {
      const pod = await this.json("get", "pod", name, "-n", ns);
      return pod.status?.conditions?.some((c: any) => c.type === "Ready" && c.status === "True") ? pod : undefined;
    });
  }

  /** `kubectl exec` in the pod; exit code and output (stdout then stderr). */
  async exec(pod: string, argv: string[], o: { ns?: string; container?: string; timeoutMs?: number } = {}): Promise<{ code: number; out: string }> {
    const r = await this.kubectl(["exec", "-n", o.ns ?? this.namespace, pod, ...(o.container ? ["-c", o.container] : []), "--", ...argv], { timeoutMs: o.timeoutMs ?? 60_000 });
    return { code: r.code, out: r.stdout + r.stderr };
  }

  /** `kubectl exec` that must succeed; returns stdout. */
  async execInPod(pod: string, argv: string[], o: { ns?: string; container?: string; timeoutMs?: number } = {}): Promise<string> {
    const r = await this.kubectl(["exec", "-n", o.ns ?? this.namespace, pod, ...(o.container ? ["-c", o.container] : []), "--", ...argv], { timeoutMs: o.timeoutMs ?? 60_000 });
    if (r.code !== 0) throw new Error(`kubectl exec ${pod} -- ${argv.join(" ")} failed (${r.code}):\n${r.stdout}${r.stderr}\n${this.logs()}`);
    return r.stdout;
  }

  /** A command on the host inside a node's namespace (`nsenter --net`). */
  inNode(node: ClusterNode | number, argv: string[]): Promise<{ code: number; out: string }> {
    const n = typeof node === "number" ? this.nodes[node]! : node;
    return sh(["nsenter", `--net=${n.path}`, ...argv]);
  }

  /** The tail of every node's process output and containerd log, for failure messages. */
  logs(tail = 3000): string {
    return this.nodes
      .map((n) => {
        const ctrd = join(n.dataDir, "agent", "containerd", "containerd.log");
        const ctrdTail = existsSync(ctrd) ? readFileSync(ctrd, "utf8").slice(-800) : "";
        return `--- ${n.role} ${n.name} (${n.ip}) exit=${n.proc?.exitCode ?? "running"} ---\n${n.output.slice(-tail)}${ctrdTail ? `\n--- ${n.name} containerd ---\n${ctrdTail}` : ""}`;
      })
      .join("\n");
  }

  /**
   * Joins one more agent in a new namespace; `prepare` runs after the namespace is wired and
   * before the agent starts (to plant something in it). Does not wait for Ready: the caller
   * decides what the agent should do.
   */
  async addAgent(o: { args?: string[]; prepare?: (n: ClusterNode) => Promise<void> } = {}): Promise<ClusterNode> {
    const i = this.nodes.length;
    const net = await addNodeNetns(this.prefix, this.o.subnet, i);
    const n: ClusterNode = { ...net, name: `${this.prefix}-${i}`, dataDir: join(this.baseDir, `node-${i}`), role: "agent", output: "" };
    this.nodes.push(n);
    await preloadImages(n, this.o);
    await o.prepare?.(n);
    await this.startNode(n, this.agentArgs(n, o.args ?? []));
    return n;
  }

  agentArgs(n: ClusterNode, extra: string[]): string[] {
    return ["agent", "--server", `https://${this.server.ip}:${API_PORT}`, "--token", this.token, "--node-ip", n.ip, "--node-name", n.name, "--data-dir", n.dataDir, ...extra];
  }

  /** Waits for a node's process to exit (a refusal); its exit code. */
  async exited(n: ClusterNode, timeoutMs = 60_000): Promise<number> {
    return this.waitFor(`${n.name} to exit`, async () => (n.proc && n.proc.exitCode !== null ? { code: n.proc.exitCode } : undefined), timeoutMs).then((r) => r.code);
  }

  /** A namespace on the bridge that is not a node (an upstream resolver's): `k3rs-<prefix>-<label>` at 172.31.N.<host>. */
  async addNetns(label: string, host: number): Promise<NodeNetns> {
    return addNodeNetns(this.prefix, this.o.subnet, host - 1, label);
  }

  /**
   * Runs a helper program inside a namespace (`nsenter --net` execs it, so the PID is its
   * own); it must stay in the foreground and name a path under baseDir (a pid or config file)
   * so that a crashed run's copy is found. Ended at close.
   */
  spawnIn(ns: NodeNetns, argv: string[]): ReturnType<typeof Bun.spawn> {
    const p = Bun.spawn(["nsenter", `--net=${ns.path}`, ...argv], { stdout: "pipe", stderr: "pipe", stdin: "ignore" });
    this.helpers.push(p);
    return p;
  }

  /** Starts (or restarts) a node's k3rs process with the flags it was created with. */
  async startNode(n: ClusterNode, argv: string[]): Promise<void> {
    n.output = "";
    n.proc = Bun.spawn(["nsenter", `--net=${n.path}`, K3RS_BIN, ...argv], { stdout: "pipe", stderr: "pipe", stdin: "ignore" });
    const drain = async (s: ReadableStream<Uint8Array>) => {
      const dec = new TextDecoder();
      for await (const chunk of s) n.output += dec.decode(chunk, { stream: true });
    };
    void drain(n.proc.stdout as ReadableStream<Uint8Array>);
    void drain(n.proc.stderr as ReadableStream<Uint8Array>);
  }

  /** Stops one node's k3rs process (SIGTERM, SIGKILL after 10 s); its containerd and pods keep running. */
  async stopProcess(n: ClusterNode): Promise<void> {
    const p = n.proc;
    if (!p || p.exitCode !== null) return;
    p.kill("SIGTERM");
    const t = setTimeout(() => p.kill(9), 10_000);
    await p.exited;
    clearTimeout(t);
  }

  /** Removes everything this cluster made on the machine. */
  async close(): Promise<void> {
    for (const n of [...this.nodes].reverse()) await this.stopProcess(n);
    for (const p of this.helpers) if (p.exitCode === null) p.kill(9);
    await Promise.all(this.helpers.map((p) => p.exited));
    await cleanupPrefix(this.prefix, this.baseDir);
  }
}

const baseDirOf = (prefix: string) => join("/tmp", `k3rs-${prefix}`);

/**
 * The PIDs of processes this harness starts for a prefix (k3rs servers and agents, helpers
 * such as dnsmasq) that name a path under dir in their arguments: what a crashed run left.
 * containerd and its shims are not among them: stopAgentContainerd ends those (and the
 * containers) from each data dir.
 */
function ownProcessesUnder(dir: string): number[] {
  const out: number[] = [];
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const argv = readFileSync(`/proc/${d}/cmdline`, "utf8").split("\0");
      if (!HARNESS_PROGRAMS.has(argv[0]!.split("/").at(-1)!)) continue;
      if (argv.some((a) => a.startsWith(`${dir}/`) || a.includes(`=${dir}/`))) out.push(Number(d));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

const HARNESS_PROGRAMS = new Set([K3RS_BIN.split("/").at(-1)!, "dnsmasq", "busybox"]);

/**
 * Ends this prefix's k3rs processes, each node's containerd, shims and containers, unmounts
 * what lies under the data dirs, removes empty pod cgroups, then the namespaces and the bridge
 * (every link and iptables rule inside a namespace goes with it), then the data dirs.
 */
async function cleanupPrefix(prefix: string, baseDir: string): Promise<void> {
  if (existsSync(baseDir)) {
    for (const pid of ownProcessesUnder(baseDir)) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    for (const d of readdirSync(baseDir, { withFileTypes: true })) if (d.isDirectory() && d.name.startsWith("node-")) await stopAgentContainerd(join(baseDir, d.name));
    removeEmptyPodCgroups();
    await unmountUnder(baseDir);
  }
  await removeNodeNetns(prefix);
  rmSync(baseDir, { recursive: true, force: true });
}

/**
 * fetch from the host to a node, without keep-alive: a pooled connection to a namespace that
 * is then deleted leaves sockets behind on both sides (the node's holds its namespace alive for
 * a minute, the host's retransmits its FIN to nowhere).
 */
export function hostFetch(url: string, init: RequestInit = {}): Promise<Response> {
  return fetch(url, { ...init, keepalive: false, headers: { ...(init.headers as Record<string, string>), connection: "close" }, signal: init.signal ?? AbortSignal.timeout(10_000) });
}

/** Whether anything of this prefix is still on the machine (for the tests' own clean-up check). */
export async function leftovers(prefix: string): Promise<string[]> {
  const baseDir = baseDirOf(prefix);
  const out: string[] = [...netnsOf(prefix).map((n) => `netns ${n}`)];
  if ((await sh(["ip", "link", "show", `${prefix}br`])).code === 0) out.push(`bridge ${prefix}br`);
  out.push(...(await hostVeths(prefix)).map((v) => `veth ${v}`));
  if (existsSync(baseDir)) out.push(`dir ${baseDir}`);
  out.push(...ownProcessesUnder(baseDir).map((p) => `process ${p}`));
  return out;
}

export async function startMultiNode(o: MultiNodeOptions): Promise<MultiNodeCluster> {
  if (o.prefix.length > 11 || !/^[a-z0-9]+$/.test(o.prefix)) throw new Error(`prefix ${o.prefix}: up to 11 lower-case letters and digits`);
  if (!existsSync(K3RS_BIN)) throw new Error(`${K3RS_BIN} is missing: run \`bun build.ts\` first`);
  // Safety first (DESIGN.md): a misrouted packet for these CIDRs dies on this machine.
  await addSafetyRoutes();
  const baseDir = baseDirOf(o.prefix);
  await cleanupPrefix(o.prefix, baseDir);
  mkdirSync(baseDir, { recursive: true, mode: 0o700 });

  const count = 1 + (o.agents ?? 1);
  const lab = await createNodeNetns({ prefix: o.prefix, subnet: o.subnet, nodes: count });
  const nodes: ClusterNode[] = lab.nodes.map((n, i) => ({ ...n, name: `${o.prefix}-${i}`, dataDir: join(baseDir, `node-${i}`), role: i === 0 ? "server" : "agent", output: "" }));
  const c = new MultiNodeCluster(o, baseDir, nodes, o.namespace ?? o.prefix, lab.hostIp);
  try {
    await o.setup?.(c);
    for (const n of nodes) await preloadImages(n, o);
    const server = c.server;
    await c.startNode(server, serverArgs(server, o));
    c.token = await waitForToken(c, server);
    // The server writes a kubeconfig for 127.0.0.1 (inside its namespace); the host reaches it by the node IP, which its certificate names.
    const kubeconfig = readFileSync(join(server.dataDir, "kubeconfig.yaml"), "utf8").replace(/server: https:\/\/[^\s]+/, `server: https://${server.ip}:${API_PORT}`);
    writeFileSync(c.kubeconfig, kubeconfig, { mode: 0o600 });
    for (const [i, n] of nodes.slice(1).entries()) {
      const extra = typeof o.agentArgs === "function" ? o.agentArgs(i) : (o.agentArgs ?? []);
      await c.startNode(n, c.agentArgs(n, extra));
    }
    await c.nodesReady();
    await c.k("create", "namespace", c.namespace);
  } catch (e) {
    await c.close().catch(() => undefined);
    throw e;
  }
  return c;
}

async function preloadImages(n: ClusterNode, o: MultiNodeOptions): Promise<void> {
  mkdirSync(join(n.dataDir, "agent", "images"), { recursive: true });
  if (o.preloadImages === false) return;
  const images = await ensureTestImages();
  copyFileSync(images.busybox, join(n.dataDir, "agent", "images", "busybox.tar"));
}

export function serverArgs(n: ClusterNode, o: Pick<MultiNodeOptions, "clusterCidr" | "serverArgs">): string[] {
  return [
    "server",
    "--data-dir", n.dataDir,
    "--node-ip", n.ip,
    "--node-name", n.name,
    "--cluster-cidr", o.clusterCidr,
    "--https-listen-port", String(API_PORT),
    "--tls-san", n.ip,
    "--write-kubeconfig", join(n.dataDir, "kubeconfig.yaml"),
    ...(o.serverArgs ?? []),
  ];
}

/** The join token appears once the server has bootstrapped; its API must answer on the node IP too. */
async function waitForToken(c: MultiNodeCluster, server: ClusterNode): Promise<string> {
  const tokenFile = join(server.dataDir, "server", "token");
  return c.waitFor(
    "the server's token and API on its node IP",
    async () => {
      c.assertRunning();
      if (!existsSync(tokenFile) || !existsSync(join(server.dataDir, "kubeconfig.yaml"))) return undefined;
      const r = await hostFetch(`https://${server.ip}:${API_PORT}/readyz`, { tls: { rejectUnauthorized: false } } as RequestInit).catch(() => undefined);
      return r?.ok ? readFileSync(tokenFile, "utf8").trim() : undefined;
    },
    30_000,
  );
}
