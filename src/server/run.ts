/**
 * `k3rs server`: opens the store, makes or loads the PKI, starts the API over HTTPS, writes
 * the admin kubeconfig and join token, and runs until signalled. Knows nothing of flags.
 */
import { mkdirSync, writeFileSync, existsSync, readFileSync, chmodSync } from "node:fs";
import { hostname, networkInterfaces } from "node:os";
import { dirname, join } from "node:path";
import type { ServerConfig } from "../config/server-config.ts";
import { openSqliteStore } from "../store/sqlite.ts";
import type { ObjectStorage } from "../api/storage/object-storage.ts";
import type { ResourceRegistry } from "../api/resources/registry.ts";
import { createControlPlane } from "./control-plane.ts";
import { serveHttps, type RunningServer } from "../api/transport/serve.ts";
import type { TransportTimeouts } from "../api/transport/timeouts.ts";
import { ensureServerPki } from "../pki/bootstrap.ts";
import { renderKubeconfig, writeKubeconfig } from "../pki/kubeconfig.ts";
import { formatToken, generateSecret } from "../pki/token.ts";
import type { Store } from "../store/types.ts";
import { log } from "../log.ts";
import type { CertPair } from "../pki/ca.ts";
import { issueClientCert } from "../pki/certs.ts";
import { RestClient } from "../client/rest-client.ts";
import { runAgent, type RunningAgent } from "../agent/run.ts";
import { interfaceIPv4 } from "../agent/network/node-ips.ts";
import { parseLabels, parseTaints } from "../config/sources.ts";
import { componentSettings } from "../config/component-args.ts";
import { kubeletSettings } from "../config/kubelet-args.ts";
import { ManifestDeployer } from "./manifests/deployer.ts";
import { serverNetwork } from "../config/server-config.ts";
import { apiServiceIP } from "../model/cluster-network.ts";
import { registry as metricsRegistry } from "../api/request-metrics.ts";

export interface ServerHandle {
  port: number;
  kubeconfigPath: string;
  store: Store;
  storage: ObjectStorage;
  registry: ResourceRegistry;
  stop(): Promise<void>;
}

export interface ServerRunDeps {
  isRoot?: boolean;
  signal?: AbortSignal;
  /** How often nodes' usage is read for metrics.k8s.io; tests shorten it. */
  metricResolutionMs?: number;
  /** The API transport's deadlines (handshake, header, idle, body); tests shorten them. */
  transportTimeouts?: Partial<TransportTimeouts>;
  /** Connections without a cluster identity allowed at once (from the descriptor limit). */
  maxUntrustedConnections?: number;
}

export async function startServer(cfg: ServerConfig, deps: ServerRunDeps = {}): Promise<ServerHandle> {
  const t0 = performance.now();
  const serverDir = join(cfg.dataDir, "server");
  for (const d of [serverDir, join(serverDir, "db"), join(serverDir, "tls"), join(serverDir, "cred")]) mkdirSync(d, { recursive: true, mode: 0o700 });

  // As K3s: without --node-ip, the address of --flannel-iface is the node's.
  const nodeIp = cfg.nodeIp ?? (cfg.flannelIface ? interfaceIPv4(cfg.flannelIface) : undefined) ?? primaryIPv4() ?? "127.0.0.1";
  const pki = await ensureServerPki(join(serverDir, "tls"), {
    hostnames: unique(["localhost", hostname(), cfg.nodeName, ...cfg.tlsSan.filter((s) => !isIp(s))]),
    // K3s puts --node-external-ip in the serving cert: clients reach the API by it too.
    ips: unique(["127.0.0.1", nodeIp, ...(cfg.nodeExternalIp ?? []), ...cfg.tlsSan.filter(isIp)]),
    apiServiceIp: apiServiceIP(cfg.serviceCidr),
  });

  // Join token in the K3s form; the secret persists so that agents keep working across restarts.
  const tokenPath = join(serverDir, "token");
  let secret = cfg.token;
  if (!secret && existsSync(tokenPath)) secret = readFileSync(tokenPath, "utf8").trim().split("::server:")[1];
  secret ??= generateSecret();
  writeFileSync(tokenPath, formatToken(pki.caHash, secret) + "\n", { mode: 0o600 });
  chmodSync(tokenPath, 0o600);

  const store = openSqliteStore({ path: join(serverDir, "db", "state.db") });
  let ready = false;
  const cp = await createControlPlane({
    store,
    serviceCidr: cfg.serviceCidr,
    advertiseAddress: `${nodeIp}:${cfg.httpsListenPort}`,
    nodeIp,
    ready: () => ready,
    join: { ca: pki.ca, secret },
    imagesDir: join(serverDir, "images"),
    schedulerProfile: cfg.schedulerProfile,
    network: serverNetwork(cfg),
    controllerSettings: { clusterCidr: cfg.clusterCidr, serviceLb: !(cfg.disable ?? []).includes("servicelb"), ...componentSettings(cfg.kubeControllerManagerArg, cfg.kubeApiserverArg) },
    metricResolutionMs: deps.metricResolutionMs,
  });
  const { app, storage, registry } = cp;
  const server: RunningServer = await serveHttps({
    fetch: (req, env) => app.fetch(req, env),
    authenticate: cp.authenticate,
    timeouts: deps.transportTimeouts,
    maxUntrustedConnections: deps.maxUntrustedConnections,
    upgrade: (req, socket, head, peer) => cp.tunnels.handleUpgrade(req, socket, head, peer),
    host: cfg.bindAddress,
    port: cfg.httpsListenPort,
    certPem: pki.serving.certPem,
    keyPem: pki.serving.keyPem,
    caPem: pki.ca.certPem,
  });

  await cp.start(server.port);
  // Applied in the background: a big folder must not hold back readiness, and failures retry.
  const manifests = new AbortController();
  void new ManifestDeployer({ dir: join(serverDir, "manifests"), storage, registry, disabled: cfg.disable, signal: manifests.signal })
    .start()
    .catch((e) => log.error("manifests: the deployer did not start", { error: String(e) }));

  const localHost = cfg.bindAddress === "0.0.0.0" || cfg.bindAddress === "::" ? "127.0.0.1" : cfg.bindAddress;
  const kubeconfig = renderKubeconfig({
    server: `https://${localHost}:${server.port}`,
    caPem: pki.ca.certPem,
    clientCertPem: pki.admin.certPem,
    clientKeyPem: pki.admin.keyPem,
  });
  const kubeconfigPath = join(serverDir, "cred", "admin.kubeconfig");
  await writeKubeconfig(kubeconfigPath, kubeconfig, 0o600);
  const extra = cfg.writeKubeconfig ?? (deps.isRoot ? "/etc/k3rs/k3rs.yaml" : undefined);
  if (extra) {
    mkdirSync(dirname(extra), { recursive: true });
    await writeKubeconfig(extra, kubeconfig, cfg.writeKubeconfigMode);
  }
  const agent = cfg.disableAgent ? undefined : await startEmbeddedAgent(cfg, pki.ca, `https://${localHost}:${server.port}`, nodeIp);

  ready = true;
  log.info("k3rs server ready", {
    port: server.port,
    kubeconfig: extra ?? kubeconfigPath,
    startupMs: Math.round(performance.now() - t0),
  });

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    ready = false;
    manifests.abort();
    agent?.stop();
    cp.stop();
    await server.close();
    await store.close();
  };
  deps.signal?.addEventListener("abort", () => void stop(), { once: true });
  return { port: server.port, kubeconfigPath: extra ?? kubeconfigPath, store, storage, registry, stop };
}

/**
 * The server's own node: an agent in this process with a node certificate the server issues
 * itself, talking to the API over loopback HTTPS exactly as a remote agent does.
 */
async function startEmbeddedAgent(cfg: ServerConfig, ca: CertPair, url: string, nodeIp: string): Promise<RunningAgent> {
  const cred = await issueClientCert(ca, { commonName: `system:node:${cfg.nodeName}`, organizations: ["system:nodes"] });
  const client = new RestClient({ server: url, ca: ca.certPem, cert: cred.certPem, key: cred.keyPem, path: "(embedded agent)" });
  return runAgent({
    client,
    nodeName: cfg.nodeName,
    nodeIp,
    externalIPs: cfg.nodeExternalIp,
    dataDir: cfg.dataDir,
    runtime: cfg.runtime,
    containerRuntimeEndpoint: cfg.containerRuntimeEndpoint,
    kubelet: kubeletSettings(cfg.kubeletArg),
    clusterCidr: cfg.clusterCidr,
    network: serverNetwork(cfg),
    flannelIface: cfg.flannelIface,
    resolvConf: cfg.resolvConf,
    // The server's /metrics carries its node's proxy and DNS metrics too (one scrape target per server).
    metricsRegistry,
    isServer: true,
    labels: parseLabels(cfg.nodeLabel, "--node-label"),
    taints: parseTaints(cfg.nodeTaint, "--node-taint"),
    signal: new AbortController().signal,
  });
}

function primaryIPv4(): string | undefined {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === "IPv4" && !a.internal) return a.address;
  }
  return undefined;
}

function isIp(s: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(s) || s.includes(":");
}

function unique(xs: string[]): string[] {
  return [...new Set(xs.filter(Boolean))];
}
