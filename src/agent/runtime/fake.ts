/**
 * The fake runtime behind hollow nodes: sandboxes and containers are records and timers, no
 * processes. It keeps the Runtime contract (states, exit codes, events) so that the agent's
 * pod workers, and every controller above them, behave as with containerd.
 *
 * What a container does is read from its command: the shell form `sh -c "[sleep T;] exit N"`
 * (or `sh -c "sleep T"`) exits after T seconds with code N (0); anything else runs until
 * stopped, and a stop ends it as SIGTERM would (exit code 143). The command read is the one
 * the agent prepared, `$(VAR)` references expanded. Images are always present.
 *
 * It keeps the configs it was given (`sandboxConfigOf`, `containerConfigOf`) — the env, mounts
 * and paths the agent prepared, as containerd would receive them — so tests can look.
 */
import type { ContainerConfig, ContainerInfo, PodSandboxConfig, Runtime, RuntimeEvent, RuntimeVersion, SandboxInfo } from "./types.ts";
import { RuntimeError } from "./types.ts";

export interface FakeRuntimeOptions {
  /** Simulated time from StartContainer to running. Default 0. */
  startLatencyMs?: number;
  now?: () => number;
}

/** What the fake does with a container, from its command line. */
export type FakeBehaviour = { exitAfterMs: number; exitCode: number } | { runForever: true };

const SHELL = /^(?:\/bin\/|\/usr\/bin\/)?(?:sh|bash|ash)$/;
const SCRIPT = /^\s*(?:sleep\s+(\d+(?:\.\d+)?)\s*(?:;\s*|$))?(?:exit\s+(\d{1,3})\s*;?\s*)?$/;

export function fakeBehaviour(container: { command?: string[]; args?: string[] }): FakeBehaviour {
  const argv = [...(container.command ?? []), ...(container.args ?? [])];
  if (argv.length === 3 && SHELL.test(argv[0]!) && argv[1] === "-c") {
    const m = SCRIPT.exec(argv[2]!);
    if (m && (m[1] !== undefined || m[2] !== undefined)) {
      return { exitAfterMs: Math.round(Number(m[1] ?? 0) * 1000), exitCode: Number(m[2] ?? 0) };
    }
  }
  return { runForever: true };
}

interface FakeContainer extends ContainerInfo {
  behaviour: FakeBehaviour;
  config: ContainerConfig;
  timer?: ReturnType<typeof setTimeout>;
}

export class FakeRuntime implements Runtime {
  private readonly sandboxes = new Map<string, SandboxInfo>();
  /** Without the pod object: a hollow node with thousands of pods would keep an old copy of each. */
  private readonly sandboxConfigs = new Map<string, Omit<PodSandboxConfig, "pod">>();
  private readonly containers = new Map<string, FakeContainer>();
  private readonly listeners = new Set<(e: RuntimeEvent) => void>();
  private readonly usedIps = new Set<string>();
  private seq = 0;
  private ipCursor = 0;
  private readonly now: () => number;

  constructor(private readonly o: FakeRuntimeOptions = {}) {
    this.now = o.now ?? Date.now;
  }

  async version(): Promise<RuntimeVersion> {
    return { runtimeName: "fake", runtimeVersion: "0.1.0" };
  }

  async hasImage(): Promise<boolean> {
    return true;
  }

  async runPodSandbox(config: PodSandboxConfig, podCidr: string | undefined): Promise<SandboxInfo> {
    const { pod, attempt } = config;
    const sb: SandboxInfo = {
      id: this.newId(),
      uid: pod.metadata.uid!,
      name: pod.metadata.name!,
      namespace: pod.metadata.namespace!,
      attempt,
      state: "ready",
      ip: pod.spec?.hostNetwork ? undefined : this.allocateIp(podCidr),
      createdAt: this.now(),
    };
    this.sandboxes.set(sb.id, sb);
    const { pod: _pod, ...given } = config;
    this.sandboxConfigs.set(sb.id, given);
    return { ...sb };
  }

  async stopPodSandbox(id: string): Promise<void> {
    const sb = this.sandboxes.get(id);
    if (!sb) return;
    for (const c of this.containers.values()) if (c.sandboxId === id && c.state === "running") this.exit(c, 137, "Error", false);
    if (sb.ip) this.usedIps.delete(sb.ip);
    sb.state = "notready";
  }

  async removePodSandbox(id: string): Promise<void> {
    await this.stopPodSandbox(id);
    for (const [cid, c] of this.containers) if (c.sandboxId === id) this.containers.delete(cid);
    this.sandboxes.delete(id);
    this.sandboxConfigs.delete(id);
  }

  async listPodSandboxes(podUid?: string): Promise<SandboxInfo[]> {
    return [...this.sandboxes.values()].filter((s) => podUid === undefined || s.uid === podUid).map((s) => ({ ...s }));
  }

  async createContainer(sandbox: SandboxInfo, config: ContainerConfig, _sandboxConfig?: PodSandboxConfig): Promise<string> {
    const { spec: container, attempt } = config;
    const sb = this.sandboxes.get(sandbox.id);
    if (!sb || sb.state !== "ready") throw new RuntimeError("CreateContainerError", `sandbox ${sandbox.id} is not ready`);
    const id = this.newId();
    this.containers.set(id, {
      id,
      sandboxId: sb.id,
      name: container.name,
      attempt,
      image: container.image,
      imageRef: `sha256:${Bun.hash(String(container.image)).toString(16).padStart(64, "0")}`,
      state: "created",
      createdAt: this.now(),
      startedAt: 0,
      finishedAt: 0,
      exitCode: 0,
      behaviour: fakeBehaviour(config),
      config,
    });
    return id;
  }

  async startContainer(id: string): Promise<void> {
    const c = this.containers.get(id);
    if (!c || c.state !== "created") throw new RuntimeError("RunContainerError", `container ${id} cannot be started (state ${c?.state ?? "absent"})`);
    if (this.o.startLatencyMs) await Bun.sleep(this.o.startLatencyMs);
    c.state = "running";
    c.startedAt = this.now();
    const b = c.behaviour;
    if ("exitAfterMs" in b) {
      c.timer = setTimeout(() => this.exit(c, b.exitCode, b.exitCode === 0 ? "Completed" : "Error", true), b.exitAfterMs);
    }
  }

  async stopContainer(id: string): Promise<void> {
    const c = this.containers.get(id);
    // A fake process honours SIGTERM at once: exit code 128 + 15.
    if (c?.state === "running") this.exit(c, 143, "Error", false);
    else if (c?.state === "created") this.exit(c, 0, "Completed", false);
  }

  async removeContainer(id: string): Promise<void> {
    const c = this.containers.get(id);
    if (c?.timer) clearTimeout(c.timer);
    this.containers.delete(id);
  }

  async listContainers(sandboxId?: string): Promise<ContainerInfo[]> {
    const out: ContainerInfo[] = [];
    for (const c of this.containers.values()) {
      if (sandboxId && c.sandboxId !== sandboxId) continue;
      const { behaviour: _b, timer: _t, config: _c, ...info } = c;
      out.push(info);
    }
    return out;
  }

  /** The sandbox config the agent gave for a sandbox still held (the pod aside). */
  sandboxConfigOf(sandboxId: string): Omit<PodSandboxConfig, "pod"> | undefined {
    return this.sandboxConfigs.get(sandboxId);
  }

  /** The container config the agent gave for a container still held. */
  containerConfigOf(containerId: string): ContainerConfig | undefined {
    return this.containers.get(containerId)?.config;
  }

  subscribe(listener: (e: RuntimeEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Stops every timer (the runtime's "processes"); used when a hollow node shuts down. */
  close(): void {
    for (const c of this.containers.values()) if (c.timer) clearTimeout(c.timer);
    this.listeners.clear();
  }

  private exit(c: FakeContainer, code: number, reason: string, notify: boolean): void {
    if (c.timer) clearTimeout(c.timer);
    c.timer = undefined;
    c.state = "exited";
    c.exitCode = code;
    c.reason = reason;
    c.finishedAt = this.now();
    if (!c.startedAt) c.startedAt = c.finishedAt;
    if (!notify) return;
    const sb = this.sandboxes.get(c.sandboxId);
    if (sb) for (const l of this.listeners) l({ sandboxId: sb.id, containerId: c.id, podUid: sb.uid });
  }

  private newId(): string {
    return (Date.now().toString(16) + (++this.seq).toString(16).padStart(8, "0")).padStart(64, "0");
  }

  /** Next free address in the node's pod CIDR (skipping the network, the bridge at +1 and broadcast), or in 100.64.0.0/10 when the node has none. */
  private allocateIp(podCidr: string | undefined): string {
    const cidr = podCidr ?? "100.64.0.0/10";
    const [base, bitsText] = cidr.split("/");
    const start = base!.split(".").reduce((a, o) => a * 256 + Number(o), 0);
    const usable = 2 ** (32 - Number(bitsText)) - 3;
    for (let tries = 0; tries < usable; tries++) {
      const n = start + 2 + (this.ipCursor++ % usable);
      const ip = [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join(".");
      if (!this.usedIps.has(ip)) {
        this.usedIps.add(ip);
        return ip;
      }
    }
    throw new RuntimeError("CreatePodSandboxError", `no free address left in pod CIDR ${cidr}`);
  }
}
