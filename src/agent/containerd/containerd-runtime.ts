/**
 * Brings up the node's container runtime (k3s `pkg/agent/containerd`): its own containerd,
 * started and kept running (or the one at `--container-runtime-endpoint`), the sandbox image
 * built and imported by k3rs itself, image tarballs imported from `<data-dir>/agent/images/`
 * and the cluster's images synced into it, the node's CNI config and egress NAT once the pod
 * CIDR is known, and readiness from the CRI's own status. Returns the CRI runtime over it.
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Readiness } from "../node/node-object.ts";
import type { AgentApi } from "../agent-api.ts";
import { startContainerd } from "./supervisor.ts";
import { isRunning } from "./pid.ts";
import { hostImageArch, sandboxImageArchive, SANDBOX_IMAGE } from "../images/sandbox-image.ts";
import { importImageArchive } from "../images/import.ts";
import { watchImageDir } from "../images/image-dir-watcher.ts";
import { startImageSync } from "../images/image-sync.ts";
import { CNI_NETWORK, bridgeNameFor, writeConflist, writePlaceholder } from "../cni/cni-config.ts";
import { ensureMasquerade } from "../cni/masquerade.ts";
import { bridgeProblem, reconcileBridge } from "../cni/bridge-address.ts";
import { runtimeReadiness } from "./runtime-readiness.ts";
import { type NetRunner, netRunner } from "../../net/net-runner.ts";
import { CriClient } from "../cri/cri-client.ts";
import { CriRuntime } from "../cri/cri-runtime.ts";
import { log } from "../../log.ts";

export interface ContainerdRuntimeOptions {
  /** The agent's data dir (`<data-dir>/agent` lives under it). */
  dataDir: string;
  api: AgentApi;
  /** An existing CRI endpoint instead of our own containerd. */
  endpoint?: string;
  clusterCidr: string;
  /** The node's memory capacity (a Burstable container's OOM score). */
  nodeMemoryBytes: number;
  /**
   * Prepares the node's side of the pod network for its podCIDR (routes, the VXLAN device)
   * before the CNI config is written, and says which MTU pods get; may refuse (NodeSetupError).
   */
  podNetwork?: (podCidr: string) => Promise<{ mtu?: number }>;
  signal: AbortSignal;
  /** Test seam: iproute2 for the bridge (default: on this host). */
  run?: NetRunner;
}

const CNI_BIN_DIRS = ["/opt/cni/bin", "/usr/lib/cni"];
const SUPERVISE_MS = 2000;

/**
 * containerd dying must not stop the node for long: it is started again (its shims kept the
 * containers running meanwhile, and the agent's client reconnects on its own).
 */
function superviseContainerd(firstPid: number, start: () => Promise<{ pid: number }>, signal: AbortSignal): void {
  let pid = firstPid;
  let restarting = false;
  const timer = setInterval(() => {
    if (restarting || isRunning(pid)) return;
    restarting = true;
    log.warn("agent: containerd is gone; starting it again (containers keep running)", { pid });
    start()
      .then((c) => {
        pid = c.pid;
      })
      .catch((e) => log.error("agent: restarting containerd failed; retrying", { error: String(e) }))
      .finally(() => {
        restarting = false;
      });
  }, SUPERVISE_MS);
  signal.addEventListener("abort", () => clearInterval(timer), { once: true });
}

export async function startContainerdRuntime(o: ContainerdRuntimeOptions): Promise<{ runtime: CriRuntime; readiness: () => Promise<Readiness>; version: string }> {
  const agentDir = join(o.dataDir, "agent");
  const cniConfDir = join(agentDir, "cni", "net.d");
  const cniBinDir = CNI_BIN_DIRS.find((d) => existsSync(join(d, "bridge"))) ?? CNI_BIN_DIRS[1]!;
  writePlaceholder(cniConfDir);

  let endpoint = o.endpoint;
  let socket: string | undefined;
  if (!endpoint) {
    const start = () => startContainerd({ dataDir: join(agentDir, "containerd"), sandboxImage: SANDBOX_IMAGE, cniBinDir, cniConfDir, signal: o.signal });
    const containerd = await start();
    endpoint = containerd.endpoint;
    socket = containerd.paths.socket;
    superviseContainerd(containerd.pid, start, o.signal);
  }
  const client = new CriClient(endpoint);
  o.signal.addEventListener("abort", () => client.close(), { once: true });
  await client.waitReady(60_000);

  if (socket) {
    const arch = hostImageArch();
    const present = await client.call("ImageService", "ImageStatus", { image: { image: SANDBOX_IMAGE } });
    if (arch && !present.image?.id) {
      const archive = join(agentDir, "images-internal", "pause.tar");
      mkdirSync(join(agentDir, "images-internal"), { recursive: true });
      writeFileSync(archive, await sandboxImageArchive(arch));
      await importImageArchive({ address: socket, archive });
      log.info("agent: sandbox image imported", { image: SANDBOX_IMAGE });
    }
    const imagesDir = join(agentDir, "images");
    mkdirSync(imagesDir, { recursive: true });
    const watcher = watchImageDir({
      dir: imagesDir,
      signal: o.signal,
      onArchive: async (archive) => {
        const names = await importImageArchive({ address: socket!, archive });
        log.info("agent: images imported", { archive, images: names });
      },
      onError: (archive, error) => log.warn("agent: importing an image archive failed", { archive, error: String(error) }),
    });
    // Archives present at start are imported before the node says it is ready.
    await watcher.ready;
    // The cluster's images come down into the same dir; the watcher imports them.
    startImageSync({
      dir: imagesDir,
      stateFile: join(agentDir, "image-sync.json"),
      source: { list: (signal) => o.api.listClusterImages(signal), download: (digest, signal) => o.api.downloadClusterImage(digest, signal) },
      signal: o.signal,
      onFetched: (image, path) => {
        log.info("agent: cluster image downloaded", { images: image.names, digest: image.digest, path });
        void watcher.scan();
      },
      onError: (error, image) => log.warn("agent: fetching cluster images failed", { digest: image?.digest, error: String(error) }),
    });
  }

  const run = o.run ?? netRunner();
  const bridge = bridgeNameFor(o.dataDir);
  const ipamDataDir = join(agentDir, "cni", "ipam");
  // What the kubelet's runtime status calls NetworkReady=false: the pod network as set up
  // cannot give pods an address (the node stays NotReady with this reason, not Ready with
  // every sandbox failing).
  let podCidr: string | undefined;
  let podNetworkError: string | undefined;
  const runtime = new CriRuntime({
    client,
    nodeMemoryBytes: o.nodeMemoryBytes,
    setPodCidr: async (cidr) => {
      podCidr = cidr;
      podNetworkError = undefined;
      try {
        // Before the routes: while the bridge holds another range's gateway, the kernel's
        // connected route for that range would shadow the route to the node that owns it now.
        await reconcileBridge({ run, bridge, podCidr: cidr, ipamNetworkDir: join(ipamDataDir, CNI_NETWORK) });
        const { mtu } = (await o.podNetwork?.(cidr)) ?? {};
        writeConflist(cniConfDir, { podCidr: cidr, bridge, ipamDataDir, mtu });
        await ensureMasquerade(cidr, o.clusterCidr);
      } catch (e) {
        podNetworkError = `setting up the pod network for ${cidr}: ${e instanceof Error ? e.message : String(e)}`;
        throw e;
      }
    },
  });
  o.signal.addEventListener("abort", () => runtime.close(), { once: true });
  const v = await runtime.version();

  const readiness = async (): Promise<Readiness> => {
    try {
      const s = await client.call("RuntimeService", "Status", {});
      const problem = podNetworkError ?? (podCidr ? await bridgeProblem(run, bridge, podCidr).catch((e) => `checking bridge ${bridge}: ${String(e)}`) : undefined);
      return runtimeReadiness(s.status?.conditions ?? [], problem);
    } catch (e) {
      return { ready: false, message: `container runtime is down: ${e instanceof Error ? e.message : String(e)}` };
    }
  };
  return { runtime, readiness, version: `${v.runtimeName}://${v.runtimeVersion}` };
}
