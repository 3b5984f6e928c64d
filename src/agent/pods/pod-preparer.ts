/**
 * What the kubelet does for a pod before and after the runtime runs it, on both runtimes
 * alike (containerd, and the fake one of hollow nodes): the volume manager's setup of each
 * volume's host directory, each container's environment resolved from ConfigMaps, Secrets
 * and the downward API with `$(VAR)` expanded, the pod's /etc/hosts, its termination-message
 * files, log directories and cgroup parent — and, once the pod is gone, their removal. The
 * runtime then only translates the prepared configs (runtime/types.ts).
 *
 * Per pod (uid):
 *
 *   sandboxConfig ──▶ volumes set up (cached) ──▶ containerConfig per run (env, hosts, mounts)
 *   an adopted sandbox (agent restarted) ──▶ containerConfig sets the volumes up again
 *   release ──▶ tmpfs unmounted, pod dir, log dir and cgroups removed, cache dropped
 *   a projected service-account token ──▶ its volumes written again at 80% of the token's
 *     lifetime, or after 24 h, whichever is sooner (the kubelet's token manager), until release
 *   a ConfigMap or Secret it reads changed (sources/pod-sources.ts watches them), or its
 *     labels or annotations (keep) ──▶ the volumes made from them written again, atomically;
 *     env and subPath mounts keep what the container started with, as in Kubernetes
 *
 * @example
 *   const prep = new PodPreparer({ podsDir, logRoot, nodeHostname, dns, sources, facts, mounter: hostMounter });
 *   const sandbox = await runtime.runPodSandbox(await prep.sandboxConfig(pod, 0), cidr);
 *   const id = await runtime.createContainer(sandbox, await prep.containerConfig(pod, sandbox, spec, 0), prep.describeSandbox(pod, 0));
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { KubeObject } from "../../model/object.ts";
import type { ContainerConfig, DnsConfig, PodSandboxConfig, SandboxInfo } from "../runtime/types.ts";
import { expandCommand, resolveEnv, type EnvSources } from "../env/container-env.ts";
import { podHostname, writeEtcHosts } from "../hosts/etc-hosts.ts";
import { containerMounts, setUpVolumes, tearDownVolumes, volumesUsing, volumesUsingPodMetadata, type PreparedVolume, type VolumeHost } from "../volumes/pod-volumes.ts";
import { PodSources, type SourceRef } from "../sources/pod-sources.ts";
import { KeyedSerial } from "../../lib/keyed-serial.ts";
import type { ClaimSources } from "../volumes/claim-volume.ts";
import type { Mounter } from "../volumes/host-mounter.ts";
import { podCgroupParent, removePodCgroups } from "./pod-cgroups.ts";
import { containerLogPath, podDir, podLogDirectory, terminationLogPath, type PodRef } from "./pod-files.ts";
import { log } from "../../log.ts";

export interface NodePodFacts {
  hostIP: string;
  /** Node allocatable cpu (cores) and memory (bytes), for resourceFieldRef without a limit. */
  nodeCpuCores: number;
  nodeMemoryBytes: number;
}

export interface PodPreparerOptions {
  /** `<agent data dir>/pods`: volumes, /etc/hosts and termination logs per pod uid. */
  podsDir: string;
  /** Root of the pods' container logs (`<ns>_<name>_<uid>/<container>/<attempt>.log`). */
  logRoot: string;
  /** The node's hostname (a host-network pod's). */
  nodeHostname: string;
  /** Resolver settings for pods (hollow nodes: one for all). */
  dns: DnsConfig;
  /**
   * Each pod's own resolver settings by its dnsPolicy (a real node with cluster DNS);
   * undefined leaves the runtime's default (a host-network pod keeps the node's). Wins over `dns`.
   */
  podDns?: (pod: KubeObject) => DnsConfig | undefined;
  /**
   * ConfigMaps and Secrets for env and volumes: kept per pod and watched (PodSources), or read
   * from the API each time (plain EnvSources).
   */
  sources: EnvSources | PodSources;
  /** Claims and volumes, for persistentVolumeClaim volumes; without it they fail to mount. */
  claims?: ClaimSources;
  facts: () => NodePodFacts;
  mounter: Mounter;
  /** The node's /etc/hosts, copied for host-network pods; absent on hollow nodes. */
  nodeHosts?: string;
  /** Hollow nodes: hostPath volumes are recorded, never checked or created (pod-volumes.ts). */
  imaginedHostPaths?: boolean;
  /** Root of the pods' cgroups. Default /k3rs. */
  cgroupRoot?: string;
  /** The cgroup filesystem, where a gone pod's cgroups are removed; absent where nothing makes cgroups (hollow nodes). */
  cgroupFs?: string;
}

function sameStrings(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  if (a === b) return true;
  const ka = Object.keys(a ?? {});
  if (ka.length !== Object.keys(b ?? {}).length) return false;
  return ka.every((k) => a![k] === b?.[k]);
}

/** The kubelet refreshes a token at 80% of its lifetime, and at least daily. */
const TOKEN_REFRESH_FRACTION = 0.8;
const TOKEN_REFRESH_MAX_MS = 24 * 3600 * 1000;

/** When a pod's projected tokens want rewriting (ms), or undefined when it has none. */
export function tokenRefreshDelayMs(pod: KubeObject): number | undefined {
  let shortest: number | undefined;
  for (const v of pod.spec?.volumes ?? []) {
    for (const s of v?.projected?.sources ?? []) {
      if (!s?.serviceAccountToken) continue;
      const seconds = Number(s.serviceAccountToken.expirationSeconds ?? 3600);
      shortest = Math.min(shortest ?? Infinity, seconds);
    }
  }
  return shortest === undefined ? undefined : Math.min(TOKEN_REFRESH_MAX_MS, shortest * 1000 * TOKEN_REFRESH_FRACTION);
}

export class PodPreparer {
  /** Pods' token refresh timers, by uid. */
  private readonly tokenTimers = new Map<string, ReturnType<typeof setTimeout>>();
  /** Each pod's volumes as last set up, so its containers do not set them up (and fetch their content) again. */
  private readonly volumes = new Map<string, Map<string, PreparedVolume>>();
  /** The pods whose volumes are set up, by uid: what a changed source is written again for. */
  private readonly pods = new Map<string, KubeObject>();
  /** A pod's volume writes after a change, and its release, one at a time. */
  private readonly perPod = new KeyedSerial();
  private readonly sources: PodSources;

  constructor(private readonly o: PodPreparerOptions) {
    this.sources = o.sources instanceof PodSources ? o.sources : new PodSources({ api: o.sources });
    this.sources.onChange((ref, uids) => {
      for (const uid of uids) void this.rewrite(uid, ref);
    });
  }

  private volumeHost(uid: string, podIP?: string): VolumeHost {
    const { mounter } = this.o;
    return {
      podsDir: this.o.podsDir,
      sources: this.sources.forPod(uid),
      claims: this.o.claims,
      facts: { ...this.o.facts(), podIP },
      imaginedHostPaths: this.o.imaginedHostPaths,
      mountTmpfs: async (target, size) => {
        if (!(await mounter.isMounted(target))) await mounter.mountTmpfs(target, size);
      },
      unmount: (target) => mounter.unmount(target),
    };
  }

  /** The sandbox's config, pure: also for a sandbox made before an agent restart. */
  describeSandbox(pod: KubeObject, attempt: number): PodSandboxConfig {
    const spec = pod.spec ?? {};
    return {
      pod,
      attempt,
      hostname: podHostname(pod, this.o.nodeHostname),
      logDirectory: podLogDirectory(pod, this.o.logRoot),
      cgroupParent: podCgroupParent(pod, this.o.cgroupRoot),
      // The host network keeps the node's resolver unless the pod asks for the cluster's.
      dns: this.o.podDns ? this.o.podDns(pod) : spec.hostNetwork && spec.dnsPolicy !== "ClusterFirstWithHostNet" ? undefined : this.o.dns,
    };
  }

  /** Sets up the pod's volumes (FailedMount when one cannot be) and its log directory. */
  async sandboxConfig(pod: KubeObject, attempt: number): Promise<PodSandboxConfig> {
    this.setVolumes(pod, await setUpVolumes(pod, this.volumeHost(pod.metadata.uid!)));
    this.scheduleTokenRefresh(pod);
    const config = this.describeSandbox(pod, attempt);
    await mkdir(config.logDirectory, { recursive: true });
    return config;
  }

  /** One run of a container: env (CreateContainerConfigError when a source is missing), /etc/hosts, termination log, mounts. */
  async containerConfig(pod: KubeObject, sandbox: SandboxInfo, spec: any, attempt: number): Promise<ContainerConfig> {
    const uid = pod.metadata.uid!;
    const host = this.volumeHost(uid, sandbox.ip);
    let volumes = this.volumes.get(uid);
    if (!volumes) {
      this.setVolumes(pod, (volumes = await setUpVolumes(pod, host)));
      this.scheduleTokenRefresh(pod);
    }
    const env = await resolveEnv(pod, spec, host.sources, host.facts);
    const { command, args } = expandCommand(spec, env);
    // Asynchronous, as the volumes' files (atomic-writer.ts says why).
    const dir = podDir(this.o.podsDir, uid);
    await mkdir(dir, { recursive: true });
    const etcHosts = join(dir, "etc-hosts");
    await writeEtcHosts(etcHosts, pod, sandbox.ip, podHostname(pod, this.o.nodeHostname), this.o.nodeHosts);
    const terminationLog = terminationLogPath(this.o.podsDir, uid, spec.name, attempt);
    await mkdir(dirname(terminationLog), { recursive: true });
    // World-writable: the container may run as any user.
    await writeFile(terminationLog, "", { mode: 0o666 });
    const mounts = containerMounts(spec, volumes, { etcHosts, terminationLog });
    await mkdir(join(podLogDirectory(pod, this.o.logRoot), spec.name), { recursive: true });
    return { spec, attempt, command, args, env, mounts, logPath: containerLogPath(spec.name, attempt) };
  }

  /**
   * Rewrites the pod's volumes (new tokens, and the current ConfigMaps and Secrets with them)
   * when its tokens near their refresh time; a failure is tried again at the next one.
   */
  private scheduleTokenRefresh(pod: KubeObject): void {
    const uid = pod.metadata.uid!;
    const delay = tokenRefreshDelayMs(pod);
    clearTimeout(this.tokenTimers.get(uid));
    if (delay === undefined) return;
    const timer = setTimeout(() => this.perPod.run(uid, async () => {
      if (!this.volumes.has(uid)) return;
      try {
        this.setVolumes(pod, await setUpVolumes(pod, this.volumeHost(uid)));
      } catch (e) {
        log.warn("agent: refreshing a pod's service-account token failed; will retry", { pod: `${pod.metadata.namespace}/${pod.metadata.name}`, error: String(e) });
      }
      if (this.volumes.has(uid)) this.scheduleTokenRefresh(pod);
    }), delay);
    // A refresh never keeps the process alive.
    (timer as { unref?: () => void }).unref?.();
    this.tokenTimers.set(uid, timer);
  }

  /**
   * The pod as it is now, for a pod whose sandbox runs. One running since before this agent
   * started (adopted) has its volumes set up again, as the kubelet's volume manager does on
   * start, so its sources are read and followed again; one whose labels or annotations changed
   * has the downward API volumes that show them written again.
   */
  async keep(pod: KubeObject): Promise<void> {
    const uid = pod.metadata.uid!;
    const known = this.pods.get(uid);
    if (!this.volumes.has(uid) || !known) {
      this.setVolumes(pod, await setUpVolumes(pod, this.volumeHost(uid)));
      this.scheduleTokenRefresh(pod);
      return;
    }
    this.pods.set(uid, pod);
    // Every sync of a running pod comes here: a comparison of two small maps, nothing serialized.
    if (sameStrings(known.metadata.labels, pod.metadata.labels) && sameStrings(known.metadata.annotations, pod.metadata.annotations)) return;
    const names = volumesUsingPodMetadata(pod);
    if (names.length) await this.rewriteVolumes(uid, names, "its labels or annotations");
  }

  private setVolumes(pod: KubeObject, volumes: Map<string, PreparedVolume>): void {
    this.volumes.set(pod.metadata.uid!, volumes);
    this.pods.set(pod.metadata.uid!, pod);
  }

  /**
   * The volumes of pod `uid` made from `ref`, written again with its current content. A write
   * that fails (the object deleted, a key gone) keeps what the volume had, as the kubelet does.
   */
  private rewrite(uid: string, ref: SourceRef): Promise<void> {
    const pod = this.pods.get(uid);
    if (!pod || pod.metadata.namespace !== ref.namespace) return Promise.resolve();
    const names = volumesUsing(pod, ref.kind, ref.name);
    return names.length ? this.rewriteVolumes(uid, names, `${ref.kind}/${ref.name}`) : Promise.resolve();
  }

  /** Writes the named volumes of pod `uid` again, from its latest object, after any write under way. */
  private rewriteVolumes(uid: string, names: string[], source: string): Promise<void> {
    return this.perPod.run(uid, async () => {
      const pod = this.pods.get(uid);
      const volumes = this.volumes.get(uid);
      if (!pod || !volumes) return;
      try {
        for (const [name, v] of await setUpVolumes(pod, this.volumeHost(uid), { only: new Set(names) })) volumes.set(name, v);
      } catch (e) {
        log.warn("agent: a pod's volume could not follow its changed source; it keeps its content", { pod: `${pod.metadata.namespace}/${pod.metadata.name}`, source, error: String(e) });
      }
    });
  }

  /** What a run wrote to its termination-message file (at most 4 KiB, as the kubelet reads). */
  terminationMessage(uid: string, containerName: string, attempt: number): string | undefined {
    const file = terminationLogPath(this.o.podsDir, uid, containerName, attempt);
    if (!existsSync(file)) return undefined;
    const text = readFileSync(file).subarray(0, 4096).toString("utf8");
    return text || undefined;
  }

  /** The pod is gone for good: its volumes (tmpfs unmounted), files, logs and cgroups go. */
  async release(pod: PodRef & { uid: string }): Promise<void> {
    this.volumes.delete(pod.uid);
    this.pods.delete(pod.uid);
    clearTimeout(this.tokenTimers.get(pod.uid));
    this.tokenTimers.delete(pod.uid);
    // After a volume write under way, so that nothing is written into what is removed, and
    // nothing it read stays registered to the pod.
    await this.perPod.run(pod.uid, async () => {});
    this.sources.release(pod.uid);
    // The runtime never deletes container logs; the kubelet removes the pod's directory.
    await rm(podLogDirectory(pod, this.o.logRoot), { recursive: true, force: true });
    const emptyDirs = join(podDir(this.o.podsDir, pod.uid), "volumes", "kubernetes.io~empty-dir");
    const tmpfs: string[] = [];
    if (existsSync(emptyDirs)) for (const name of readdirSync(emptyDirs)) if (await this.o.mounter.isMounted(join(emptyDirs, name))) tmpfs.push(join(emptyDirs, name));
    await tearDownVolumes(pod.uid, this.volumeHost(pod.uid), tmpfs);
    if (this.o.cgroupFs) removePodCgroups(pod.uid, this.o.cgroupRoot, this.o.cgroupFs);
  }
}
