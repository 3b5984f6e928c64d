/**
 * The limit a pod burst is measured against: the same sandboxes and containers made straight
 * through the CRI, all at once, on the agent's own containerd (same CNI config, same image,
 * same cgroup tree), with no API server, scheduler or agent in between. Per pod: RunPodSandbox
 * (CNI inside) → CreateContainer → StartContainer, timed from the burst's start. With
 * `concurrency`, a pod's calls begin when an earlier pod's StartContainer returns.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { CriClient } from "../../src/agent/cri/cri-client.ts";
import { removePodCgroups } from "../../src/agent/pods/pod-cgroups.ts";

export interface CriPodTiming {
  /** Burst start → StartContainer returned. */
  totalMs: number;
  sandboxMs: number;
  createMs: number;
  startMs: number;
}

export interface CriBurstOptions {
  /** `unix://` socket of the containerd to drive. */
  endpoint: string;
  /** Where the sandboxes' CRI logs go (removed by the caller with the data dir). */
  logRoot: string;
  namespace: string;
  prefix: string;
  count: number;
  image: string;
  command: string[];
  /** At most this many pods in the making at once (default: all of them), as a bounded agent would. */
  concurrency?: number;
  /** Called once every pod's container started, before any is torn down (to read what the burst cost). */
  onAllStarted?: () => void;
}

/** Runs `count` pods through the CRI (all at once, or `concurrency` at a time), then stops and removes them; resolves with each one's timing. */
export async function criBurst(o: CriBurstOptions): Promise<CriPodTiming[]> {
  const cri = new CriClient(o.endpoint);
  await cri.waitReady(30_000);
  const made: { sandbox?: string; uid: string }[] = [];
  try {
    const t0 = Date.now();
    const lanes = Math.max(1, Math.min(o.count, o.concurrency ?? o.count));
    let next = 0;
    const timings: CriPodTiming[] = [];
    await Promise.all(Array.from({ length: lanes }, async () => {
      while (next < o.count) timings.push(await onePod(next++));
    }));
    o.onAllStarted?.();
    return timings;

    async function onePod(i: number): Promise<CriPodTiming> {
      const name = `${o.prefix}-${i}`;
      const uid = crypto.randomUUID();
      const entry: { sandbox?: string; uid: string } = { uid };
      made.push(entry);
      const logDirectory = join(o.logRoot, `${o.namespace}_${name}_${uid}`);
      mkdirSync(logDirectory, { recursive: true });
      const sandboxConfig = {
        metadata: { name, uid, namespace: o.namespace, attempt: 0 },
        hostname: name,
        logDirectory,
        dnsConfig: { servers: ["10.43.0.10"], searches: [`${o.namespace}.svc.cluster.local`, "svc.cluster.local", "cluster.local"], options: ["ndots:5"] },
        labels: { "io.kubernetes.pod.name": name, "io.kubernetes.pod.namespace": o.namespace, "io.kubernetes.pod.uid": uid },
        linux: {
          cgroupParent: `/k3rs/besteffort/pod${uid}`,
          securityContext: { namespaceOptions: { network: "POD", pid: "CONTAINER", ipc: "POD" } },
        },
      };
      const a = Date.now();
      const { podSandboxId } = await cri.call("RuntimeService", "RunPodSandbox", { config: sandboxConfig });
      entry.sandbox = podSandboxId;
      const b = Date.now();
      const { containerId } = await cri.call("RuntimeService", "CreateContainer", {
        podSandboxId,
        sandboxConfig,
        config: {
          metadata: { name: "c", attempt: 0 },
          image: { image: o.image },
          command: o.command,
          logPath: "c/0.log",
          labels: { "io.kubernetes.container.name": "c" },
          linux: { resources: { cpuShares: 2, oomScoreAdj: 1000 }, securityContext: { namespaceOptions: { network: "POD", pid: "CONTAINER", ipc: "POD" } } },
        },
      });
      const c = Date.now();
      await cri.call("RuntimeService", "StartContainer", { containerId });
      const d = Date.now();
      return { totalMs: d - t0, sandboxMs: b - a, createMs: c - b, startMs: d - c };
    }
  } finally {
    await Promise.all(made.map(async ({ sandbox, uid }) => {
      if (!sandbox) return;
      await cri.call("RuntimeService", "StopPodSandbox", { podSandboxId: sandbox }).catch(() => {});
      await cri.call("RuntimeService", "RemovePodSandbox", { podSandboxId: sandbox }).catch(() => {});
      removePodCgroups(uid);
    }));
    cri.close();
  }
}
