/**
 * The containerd runtime for one agent: its own containerd (or the one at
 * `--container-runtime-endpoint`), the sandbox image built and imported by k3rs itself,
 * image tarballs imported from `<data-dir>/agent/images/`, the node's CNI config and egress
 * NAT once the pod CIDR is known, and readiness from the CRI's own status.
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import type { Readiness } from "../node/node-object.ts";
import type { Runtime } from "../runtime/types.ts";
import type { AgentApi } from "../agent-api.ts";
import { startContainerd } from "../containerd/supervisor.ts";
import { hostImageArch, sandboxImageArchive, SANDBOX_IMAGE } from "../images/sandbox-image.ts";
import { importImageArchive } from "../images/import.ts";
import { watchImageDir } from "../images/image-dir-watcher.ts";
import { bridgeNameFor, writeConflist, writePlaceholder } from "../cni/cni-config.ts";
import { ensureMasquerade } from "../cni/masquerade.ts";
import { CriClient } from "./cri-client.ts";
import { CriRuntime } from "./cri-runtime.ts";
import { hostDns } from "./host-dns.ts";
import { log } from "../../log.ts";

export interface OpenCriOptions {
  /** The agent's data dir (`<data-dir>/agent` lives under it). */
  dataDir: string;
  api: AgentApi;
  /** An existing CRI endpoint instead of our own containerd. */
  endpoint?: string;
  clusterCidr: string;
  hostIP: () => string;
  nodeCpuCores: number;
  nodeMemoryBytes: number;
  signal: AbortSignal;
}

const CNI_BIN_DIRS = ["/opt/cni/bin", "/usr/lib/cni"];

export async function openCri(o: OpenCriOptions): Promise<{ runtime: Runtime; readiness: () => Promise<Readiness>; version: string }> {
  const agentDir = join(o.dataDir, "agent");
  const cniConfDir = join(agentDir, "cni", "net.d");
  const cniBinDir = CNI_BIN_DIRS.find((d) => existsSync(join(d, "bridge"))) ?? CNI_BIN_DIRS[1]!;
  writePlaceholder(cniConfDir);

  let endpoint = o.endpoint;
  let socket: string | undefined;
  if (!endpoint) {
    const containerd = await startContainerd({ dataDir: join(agentDir, "containerd"), sandboxImage: SANDBOX_IMAGE, cniBinDir, cniConfDir });
    endpoint = containerd.endpoint;
    socket = containerd.paths.socket;
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
  }

  const runtime = new CriRuntime({
    client,
    podsDir: join(agentDir, "pods"),
    logRoot: join(agentDir, "logs", "pods"),
    nodeHostname: hostname(),
    dns: hostDns(),
    sources: { configMap: (ns, name) => o.api.getConfigMap(ns, name), secret: (ns, name) => o.api.getSecret(ns, name) },
    hostIP: o.hostIP,
    nodeCpuCores: o.nodeCpuCores,
    nodeMemoryBytes: o.nodeMemoryBytes,
    setPodCidr: async (cidr) => {
      writeConflist(cniConfDir, { podCidr: cidr, bridge: bridgeNameFor(o.dataDir), ipamDataDir: join(agentDir, "cni", "ipam") });
      await ensureMasquerade(cidr, o.clusterCidr);
    },
  });
  o.signal.addEventListener("abort", () => runtime.close(), { once: true });
  const v = await runtime.version();

  const readiness = async (): Promise<Readiness> => {
    try {
      const s = await client.call("RuntimeService", "Status", {});
      const conds: any[] = s.status?.conditions ?? [];
      const bad = conds.filter((c) => (c.type === "RuntimeReady" || c.type === "NetworkReady") && !c.status);
      if (!bad.length) return { ready: true };
      return { ready: false, message: bad.map((c) => `container runtime ${c.type === "NetworkReady" ? "network" : ""} not ready: ${c.reason}: ${c.message}`.replace("  ", " ")).join("; ") };
    } catch (e) {
      return { ready: false, message: `container runtime is down: ${e instanceof Error ? e.message : String(e)}` };
    }
  };
  return { runtime, readiness, version: `${v.runtimeName}://${v.runtimeVersion}` };
}
