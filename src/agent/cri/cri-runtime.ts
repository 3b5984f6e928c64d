/**
 * The agent's Runtime over containerd's CRI: sandboxes and containers map call for call; pod
 * volumes, the pod's /etc/hosts and termination-log files are prepared on the node first;
 * the environment is resolved from the API. State stays in containerd — after a restart the
 * agent lists and adopts (fail-static). Container state changes are found by polling the
 * runtime (containerd 1.6 has no CRI event stream), which is the kubelet's generic PLEG too.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { KubeObject } from "../../model/object.ts";
import { RuntimeError, type ContainerInfo, type ContainerState, type Runtime, type RuntimeEvent, type RuntimeImage, type RuntimeVersion, type SandboxInfo, type StreamRequest, type UsageStats } from "../runtime/types.ts";
import { containerMounts, etcHostsContent, podDir, setUpVolumes, tearDownVolumes, type PreparedVolume, type VolumeHost } from "../volumes/pod-volumes.ts";
import type { ClaimSources } from "../volumes/claim-volume.ts";
import type { CriClient } from "./cri-client.ts";
import { expandCommand, resolveEnv, type EnvSources } from "../env/container-env.ts";
import { containerConfig, containerLogPath, LABEL_CONTAINER_NAME, LABEL_POD_NAME, LABEL_POD_NAMESPACE, LABEL_POD_UID, podHostname, podLogDirectory, sandboxConfig, type SandboxOptions } from "./pod-config.ts";
import { isMounted, mountTmpfs, unmount } from "../volumes/host-mounter.ts";
import { log } from "../../log.ts";
import { DEFAULT_ROTATION, rotateIfNeeded, type RotateOptions } from "../logs/rotate.ts";
import { normalizeImageRef } from "../../model/image-ref.ts";
import { CriStatsReader } from "./container-stats.ts";

export interface CriRuntimeOptions {
  client: CriClient;
  /** `<agent data dir>/pods`: volumes, /etc/hosts and termination logs per pod uid. */
  podsDir: string;
  /** Root of the pods' container logs (`<ns>_<name>_<uid>/<container>/<attempt>.log`). */
  logRoot: string;
  nodeHostname: string;
  dns: SandboxOptions["dns"];
  sources: EnvSources;
  /** Claims and volumes, for persistentVolumeClaim volumes. */
  claims?: ClaimSources;
  hostIP: () => string;
  nodeCpuCores: number;
  nodeMemoryBytes: number;
  cgroupParent?: string;
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

const CGROUP_ROOT = "/sys/fs/cgroup";

/**
 * The runtime never removes a pod's parent cgroup (only its containers'); once the pod is gone
 * its empty directory is removed in every hierarchy (cgroup v1 controllers, the unified one).
 */
function removePodCgroups(uid: string, root: string): void {
  if (!existsSync(CGROUP_ROOT)) return;
  const hierarchies = [CGROUP_ROOT, ...readdirSync(CGROUP_ROOT).map((d) => join(CGROUP_ROOT, d))];
  for (const h of hierarchies) {
    for (const tier of ["", "/burstable", "/besteffort"]) {
      const dir = join(h, `${root}${tier}/pod${uid}`);
      try {
        if (existsSync(dir)) rmdirSync(dir);
      } catch {
        // Still has processes or children: the next release (or a reboot) takes it.
      }
    }
  }
}

export class CriRuntime implements Runtime {
  private readonly ips = new Map<string, string | undefined>();
  /** Each sandbox's prepared volumes, so its containers do not set them up (and fetch their content) again. */
  private readonly volumes = new Map<string, Map<string, PreparedVolume>>();
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

  private get volumeHost(): VolumeHost {
    return {
      podsDir: this.o.podsDir,
      sources: this.o.sources,
      claims: this.o.claims,
      facts: { hostIP: this.o.hostIP(), nodeCpuCores: this.o.nodeCpuCores, nodeMemoryBytes: this.o.nodeMemoryBytes },
      mountTmpfs: async (target, size) => {
        if (!(await isMounted(target))) await mountTmpfs(target, size);
      },
      unmount,
    };
  }

  private sandboxOptions(): SandboxOptions {
    return { logRoot: this.o.logRoot, dns: this.o.dns, nodeHostname: this.o.nodeHostname, cgroupParent: this.o.cgroupParent };
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

  async runPodSandbox(pod: KubeObject, attempt: number): Promise<SandboxInfo> {
    const volumes = await setUpVolumes(pod, this.volumeHost);
    const config = sandboxConfig(pod, attempt, this.sandboxOptions());
    mkdirSync(config.logDirectory, { recursive: true });
    const { podSandboxId } = await this.call("RuntimeService", "RunPodSandbox", { config });
    const status = await this.call("RuntimeService", "PodSandboxStatus", { podSandboxId });
    const ip = status.status?.network?.ip || undefined;
    this.ips.set(podSandboxId, ip);
    this.volumes.set(podSandboxId, volumes);
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
    this.volumes.delete(id);
  }

  async listPodSandboxes(): Promise<SandboxInfo[]> {
    const { items } = await this.call("RuntimeService", "ListPodSandbox", {});
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

  async createContainer(sandbox: SandboxInfo, pod: KubeObject, container: any, attempt: number): Promise<string> {
    const host = this.volumeHost;
    // Prepared with the sandbox; again only for a sandbox adopted after an agent restart.
    let volumes = this.volumes.get(sandbox.id);
    if (!volumes) this.volumes.set(sandbox.id, (volumes = await setUpVolumes(pod, host)));
    const dir = podDir(this.o.podsDir, pod.metadata.uid!);
    const env = await resolveEnv(pod, container, this.o.sources, { ...host.facts, podIP: sandbox.ip });
    const { command, args } = expandCommand(container, env);
    mkdirSync(dir, { recursive: true });
    const etcHosts = join(dir, "etc-hosts");
    if (pod.spec?.hostNetwork) copyFileSync("/etc/hosts", etcHosts);
    else writeFileSync(etcHosts, etcHostsContent(pod, sandbox.ip, podHostname(pod, this.o.nodeHostname)));
    const terminationLog = join(dir, "containers", container.name, `${attempt}-termination-log`);
    mkdirSync(join(dir, "containers", container.name), { recursive: true });
    writeFileSync(terminationLog, "", { mode: 0o666 });
    const mounts = containerMounts(pod, container, volumes, { etcHosts, terminationLog });
    const config = containerConfig(pod, { ...container, command, args }, attempt, { env, mounts, nodeMemoryBytes: this.o.nodeMemoryBytes });
    mkdirSync(join(podLogDirectory(pod, this.o.logRoot), container.name), { recursive: true });
    try {
      const { containerId } = await this.call("RuntimeService", "CreateContainer", {
        podSandboxId: sandbox.id,
        config,
        sandboxConfig: sandboxConfig(pod, sandbox.attempt, this.sandboxOptions()),
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
      const info = await this.containerInfo(c.id, c.podSandboxId, c.labels ?? {});
      if (info) out.push(info);
    }
    return out;
  }

  private async containerInfo(id: string, sandboxId: string, labels: Record<string, string>): Promise<ContainerInfo | undefined> {
    let r: any;
    try {
      r = await this.call("RuntimeService", "ContainerStatus", { containerId: id });
    } catch (e) {
      this.ignoreNotFound(e);
      return undefined;
    }
    const s = r.status;
    const state = CONTAINER_STATES[s.state] ?? "unknown";
    let message = s.message || undefined;
    if (state === "exited" && !message) message = this.terminationMessage(labels[LABEL_POD_UID], s.metadata?.name, s.metadata?.attempt ?? 0);
    const info: ContainerInfo = {
      id, sandboxId, name: s.metadata?.name, attempt: s.metadata?.attempt ?? 0,
      image: s.image?.image ? normalizeImageRef(s.image.image) : "", imageRef: s.imageRef ?? "", state,
      createdAt: nsToMs(s.createdAt), startedAt: nsToMs(s.startedAt), finishedAt: nsToMs(s.finishedAt),
      exitCode: s.exitCode ?? 0, reason: s.reason || undefined, message,
    };
    if (state === "exited") this.finished.set(id, info);
    return info;
  }

  /** What the container wrote to its termination-message file (at most 4 KiB, as the kubelet reads). */
  private terminationMessage(uid: string | undefined, name: string | undefined, attempt: number): string | undefined {
    if (!uid || !name) return undefined;
    const file = join(podDir(this.o.podsDir, uid), "containers", name, `${attempt}-termination-log`);
    if (!existsSync(file)) return undefined;
    const text = readFileSync(file).subarray(0, 4096).toString("utf8");
    return text || undefined;
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

  /** Rotates running containers' logs that grew past the limit (the kubelet's log manager). */
  async rotateLogs(o: RotateOptions = DEFAULT_ROTATION): Promise<void> {
    const { containers } = await this.call("RuntimeService", "ListContainers", { filter: { state: { state: "CONTAINER_RUNNING" } } });
    for (const c of containers ?? []) {
      // The path is ours (pod-config.ts): known from the container's labels, no status call per container.
      const l = c.labels ?? {};
      if (!l[LABEL_POD_UID] || !l[LABEL_CONTAINER_NAME]) continue;
      const pod = { metadata: { namespace: l[LABEL_POD_NAMESPACE], name: l[LABEL_POD_NAME], uid: l[LABEL_POD_UID] } } as KubeObject;
      const logPath = join(podLogDirectory(pod, this.o.logRoot), containerLogPath(l[LABEL_CONTAINER_NAME], c.metadata?.attempt ?? 0));
      await rotateIfNeeded(logPath, () => this.call("RuntimeService", "ReopenContainerLog", { containerId: c.id }), o).catch((e) =>
        log.warn("agent: rotating a container log failed", { container: c.id, error: String(e) }));
    }
  }

  async releasePod(uid: string): Promise<void> {
    // Its container logs go with it (the runtime never deletes them).
    if (existsSync(this.o.logRoot)) for (const d of readdirSync(this.o.logRoot)) if (d.endsWith(`_${uid}`)) rmSync(join(this.o.logRoot, d), { recursive: true, force: true });
    const dir = join(podDir(this.o.podsDir, uid), "volumes", "kubernetes.io~empty-dir");
    const tmpfs: string[] = [];
    if (existsSync(dir)) for (const name of readdirSync(dir)) if (await isMounted(join(dir, name))) tmpfs.push(join(dir, name));
    await tearDownVolumes(uid, this.volumeHost, tmpfs);
    removePodCgroups(uid, this.o.cgroupParent ?? "/k3rs");
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
