/**
 * The agent's Runtime over containerd's CRI: sandboxes and containers map call for call, the
 * prepared configs translated to CRI messages (pod-config.ts). The agent has set up volumes,
 * env and /etc/hosts before; nothing here reads the API or the node's files. State stays in
 * containerd — after a restart the agent lists and adopts (fail-static). Container state
 * changes are found by polling the runtime (containerd 1.6 has no CRI event stream), which
 * is the kubelet's generic PLEG too.
 */
import { RuntimeError, type ContainerConfig, type ContainerInfo, type ContainerState, type PodSandboxConfig, type Runtime, type RuntimeEvent, type RuntimeImage, type RuntimeVersion, type SandboxInfo, type StreamRequest, type UsageStats } from "../runtime/types.ts";
import type { CriClient } from "./cri-client.ts";
import { criContainerConfig, criSandboxConfig, LABEL_POD_UID } from "./pod-config.ts";
import { log } from "../../log.ts";
import { normalizeImageRef } from "../../model/image-ref.ts";
import { CriStatsReader } from "./container-stats.ts";

export interface CriRuntimeOptions {
  client: CriClient;
  /** The node's memory capacity in bytes (a Burstable container's OOM score). */
  nodeMemoryBytes: number;
  /** How often container states are compared for changes (ms). */
  pollMs?: number;
  /** Sets up the pod network for the node's CIDR (CNI config, NAT). */
  setPodCidr?: (cidr: string) => Promise<void>;
}

const nsToMs = (ns: unknown): number => (ns == null || ns === "0" || ns === 0 ? 0 : Math.floor(Number(BigInt(String(ns)) / 1_000_000n)));

const CONTAINER_STATES: Record<string, ContainerState> = {
  CONTAINER_CREATED: "created",
  CONTAINER_RUNNING: "running",
  CONTAINER_EXITED: "exited",
  CONTAINER_UNKNOWN: "unknown",
};

export class CriRuntime implements Runtime {
  private readonly ips = new Map<string, string | undefined>();
  /** Exited containers never change again: their status is kept once read. */
  private readonly finished = new Map<string, ContainerInfo>();
  private readonly listeners = new Set<(e: RuntimeEvent) => void>();
  private poller: ReturnType<typeof setInterval> | undefined;
  private polling = false;
  private lastStates = new Map<string, string>();
  private readonly stats = new CriStatsReader((method, req) => this.call("RuntimeService", method, req));

  constructor(private readonly o: CriRuntimeOptions) {}

  private call<T = any>(service: "RuntimeService" | "ImageService", method: string, req: object): Promise<T> {
    return this.o.client.call<T>(service, method, req);
  }

  async version(): Promise<RuntimeVersion> {
    const v = await this.call("RuntimeService", "Version", { version: "v1" });
    return { runtimeName: v.runtimeName, runtimeVersion: v.runtimeVersion };
  }

  async hasImage(image: string): Promise<boolean> {
    const r = await this.call("ImageService", "ImageStatus", { image: { image } });
    return !!r.image?.id;
  }

  async listImages(): Promise<RuntimeImage[]> {
    const r = await this.call("ImageService", "ListImages", {});
    // size is a uint64, which the proto loader hands over as a decimal string.
    return (r.images ?? []).map((i: any) => ({ id: i.id, repoTags: i.repoTags ?? [], repoDigests: i.repoDigests ?? [], sizeBytes: Number(i.size ?? 0) }));
  }

  async pullImage(image: string): Promise<string> {
    const r = await this.call("ImageService", "PullImage", { image: { image } });
    return r.imageRef;
  }

  async runPodSandbox(c: PodSandboxConfig): Promise<SandboxInfo> {
    const { pod, attempt } = c;
    const { podSandboxId } = await this.call("RuntimeService", "RunPodSandbox", { config: criSandboxConfig(c) });
    const status = await this.call("RuntimeService", "PodSandboxStatus", { podSandboxId });
    const ip = status.status?.network?.ip || undefined;
    this.ips.set(podSandboxId, ip);
    return {
      id: podSandboxId, uid: pod.metadata.uid!, name: pod.metadata.name!, namespace: pod.metadata.namespace!, attempt,
      state: status.status?.state === "SANDBOX_READY" ? "ready" : "notready", ip, createdAt: nsToMs(status.status?.createdAt),
    };
  }

  async stopPodSandbox(id: string): Promise<void> {
    await this.call("RuntimeService", "StopPodSandbox", { podSandboxId: id }).catch((e) => this.ignoreNotFound(e));
  }

  async removePodSandbox(id: string): Promise<void> {
    await this.call("RuntimeService", "RemovePodSandbox", { podSandboxId: id }).catch((e) => this.ignoreNotFound(e));
    this.ips.delete(id);
  }

  async listPodSandboxes(podUid?: string): Promise<SandboxInfo[]> {
    // A worker's relist of its own pod: containerd filters, so thirty pods starting do not each read all thirty.
    const { items } = await this.call("RuntimeService", "ListPodSandbox", podUid === undefined ? {} : { filter: { labelSelector: { [LABEL_POD_UID]: podUid } } });
    const out: SandboxInfo[] = [];
    for (const s of items ?? []) {
      const state = s.state === "SANDBOX_READY" ? "ready" : "notready";
      if (state === "ready" && !this.ips.has(s.id)) {
        const st = await this.call("RuntimeService", "PodSandboxStatus", { podSandboxId: s.id }).catch(() => undefined);
        this.ips.set(s.id, st?.status?.network?.ip || undefined);
      }
      out.push({ id: s.id, uid: s.metadata?.uid, name: s.metadata?.name, namespace: s.metadata?.namespace, attempt: s.metadata?.attempt ?? 0, state, ip: this.ips.get(s.id), createdAt: nsToMs(s.createdAt) });
    }
    return out;
  }

  async createContainer(sandbox: SandboxInfo, c: ContainerConfig, sandboxConfig: PodSandboxConfig): Promise<string> {
    try {
      const { containerId } = await this.call("RuntimeService", "CreateContainer", {
        podSandboxId: sandbox.id,
        config: criContainerConfig(sandboxConfig, c, this.o.nodeMemoryBytes),
        sandboxConfig: criSandboxConfig(sandboxConfig),
      });
      return containerId;
    } catch (e) {
      throw new RuntimeError("CreateContainerError", e instanceof Error ? e.message : String(e), { cause: e });
    }
  }

  async startContainer(id: string): Promise<void> {
    try {
      await this.call("RuntimeService", "StartContainer", { containerId: id });
    } catch (e) {
      throw new RuntimeError("RunContainerError", e instanceof Error ? e.message : String(e), { cause: e });
    }
  }

  async stopContainer(id: string, timeoutSeconds: number): Promise<void> {
    await this.call("RuntimeService", "StopContainer", { containerId: id, timeout: Math.max(0, Math.floor(timeoutSeconds)) }).catch((e) => this.ignoreNotFound(e));
  }

  async removeContainer(id: string): Promise<void> {
    await this.call("RuntimeService", "RemoveContainer", { containerId: id }).catch((e) => this.ignoreNotFound(e));
    this.finished.delete(id);
  }

  async listContainers(sandboxId?: string): Promise<ContainerInfo[]> {
    const { containers } = await this.call("RuntimeService", "ListContainers", sandboxId ? { filter: { podSandboxId: sandboxId } } : {});
    const out: ContainerInfo[] = [];
    for (const c of containers ?? []) {
      const done = this.finished.get(c.id);
      if (done) {
        out.push(done);
        continue;
      }
      const info = await this.containerInfo(c.id, c.podSandboxId);
      if (info) out.push(info);
    }
    return out;
  }

  private async containerInfo(id: string, sandboxId: string): Promise<ContainerInfo | undefined> {
    let r: any;
    try {
      r = await this.call("RuntimeService", "ContainerStatus", { containerId: id });
    } catch (e) {
      this.ignoreNotFound(e);
      return undefined;
    }
    const s = r.status;
    const state = CONTAINER_STATES[s.state] ?? "unknown";
    // Without one from the runtime, the pod worker reads the run's termination-message file.
    const message = s.message || undefined;
    const info: ContainerInfo = {
      id, sandboxId, name: s.metadata?.name, attempt: s.metadata?.attempt ?? 0,
      image: s.image?.image ? normalizeImageRef(s.image.image) : "", imageRef: s.imageRef ?? "", state,
      createdAt: nsToMs(s.createdAt), startedAt: nsToMs(s.startedAt), finishedAt: nsToMs(s.finishedAt),
      exitCode: s.exitCode ?? 0, reason: s.reason || undefined, message,
    };
    if (state === "exited") this.finished.set(id, info);
    return info;
  }

  async execSync(containerId: string, cmd: string[], timeoutSeconds: number): Promise<{ exitCode: number; stdout: string; stderr: string }> {
    const r = await this.call("RuntimeService", "ExecSync", { containerId, cmd, timeout: timeoutSeconds });
    const text = (b: unknown) => (b ? Buffer.from(b as Uint8Array).toString("utf8") : "");
    return { exitCode: r.exitCode ?? 0, stdout: text(r.stdout), stderr: text(r.stderr) };
  }

  usageStats(): Promise<UsageStats> {
    return this.stats.read();
  }

  async streamUrl(r: StreamRequest): Promise<string> {
    const { kind, ...req } = r;
    if (r.kind === "portforward") return (await this.call("RuntimeService", "PortForward", { podSandboxId: r.sandboxId, port: r.ports })).url;
    return (await this.call("RuntimeService", kind === "exec" ? "Exec" : "Attach", req)).url;
  }

  async setPodCidr(cidr: string): Promise<void> {
    await this.o.setPodCidr?.(cidr);
  }

  async reopenContainerLog(containerId: string): Promise<void> {
    await this.call("RuntimeService", "ReopenContainerLog", { containerId });
  }

  subscribe(listener: (e: RuntimeEvent) => void): () => void {
    this.listeners.add(listener);
    this.poller ??= setInterval(() => void this.poll(), this.o.pollMs ?? 1000);
    return () => {
      this.listeners.delete(listener);
      if (!this.listeners.size && this.poller) {
        clearInterval(this.poller);
        this.poller = undefined;
      }
    };
  }

  close(): void {
    if (this.poller) clearInterval(this.poller);
    this.poller = undefined;
    this.listeners.clear();
  }

  /** One PLEG relist: a container or sandbox whose state changed wakes its pod's worker. */
  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const [{ containers }, { items }] = await Promise.all([
        this.call("RuntimeService", "ListContainers", {}),
        this.call("RuntimeService", "ListPodSandbox", {}),
      ]);
      const next = new Map<string, string>();
      const events: RuntimeEvent[] = [];
      for (const s of items ?? []) {
        next.set(s.id, s.state);
        if (this.lastStates.get(s.id) !== s.state) events.push({ sandboxId: s.id, podUid: s.metadata?.uid });
      }
      for (const c of containers ?? []) {
        next.set(c.id, c.state);
        if (this.lastStates.get(c.id) !== c.state) events.push({ sandboxId: c.podSandboxId, containerId: c.id, podUid: c.labels?.[LABEL_POD_UID] });
      }
      this.lastStates = next;
      for (const e of events) if (e.podUid) for (const l of this.listeners) l(e);
    } catch (e) {
      log.warn("agent: listing the runtime's containers failed", { error: String(e) });
    } finally {
      this.polling = false;
    }
  }

  private ignoreNotFound(e: unknown): void {
    if ((e as { code?: string })?.code === "NOT_FOUND") return;
    throw e;
  }
}
