/**
 * `k3rs server`: opens the store, makes or loads the PKI, starts the API over HTTPS, writes
 * the admin kubeconfig and join token, and runs until signalled. Knows nothing of flags.
 */
import { mkdirSync, writeFileSync, existsSync, readFileSync, chmodSync } from "node:fs";
import { hostname, networkInterfaces } from "node:os";
import { dirname, join } from "node:path";
import type { ServerConfig } from "../config/server-config.ts";
import { bootstrapTableAt, openSqliteStore } from "../store/sqlite.ts";
import { removeDatabaseFiles } from "../store/sqlite-schema.ts";
import { restoreBootstrap, saveBootstrap } from "./bootstrap-data.ts";
import { prepareReplication } from "./replication/replication.ts";
import type { ReplicaSettings } from "./replication/litestream-config.ts";
import { snapshotBucket } from "./snapshots/snapshot-upload.ts";
import { DEFAULT_COMPACTION_INTERVAL_MS, startCompactor } from "../store/compactor.ts";
import { DEFAULT_SNAPSHOT_RETENTION, DEFAULT_SNAPSHOT_SCHEDULE } from "../config/server-config.ts";
import { DEFAULT_SNAPSHOT_NAME, pruneSnapshots } from "./snapshots/snapshot-dir.ts";
import { saveSnapshotApart } from "./snapshots/snapshot-child.ts";
import { startSnapshotSchedule } from "./snapshots/snapshot-schedule.ts";
import type { ObjectStorage } from "../api/storage/object-storage.ts";
import type { ResourceRegistry } from "../api/resources/registry.ts";
import { createControlPlane } from "./control-plane.ts";
import { serveHttps, type RunningServer } from "../api/transport/serve.ts";
import type { TransportTimeouts } from "../api/transport/timeouts.ts";
import { ensureServerPki } from "../pki/bootstrap.ts";
import { ensureServiceAccountKey } from "../pki/service-account-key.ts";
import { encryptionConfigPath, ensureSecretsEncryption, readRotationStage, saveRotationStage, writeSecretsEncryption } from "./secrets-encryption.ts";
import { KeyRotation } from "./key-rotation.ts";
import { resolvedAuditSettings } from "../config/audit-settings.ts";
import type { FailureLimiterOptions } from "../api/auth/failure-limiter.ts";
import { parseAuditPolicy } from "../api/audit/audit-policy.ts";
import type { AuditOptions } from "../api/audit/audit-log.ts";
import { renderKubeconfig, writeKubeconfig } from "../pki/kubeconfig.ts";
import { formatToken, generateSecret, parseToken } from "../pki/token.ts";
import type { Store } from "../store/types.ts";
import { log } from "../log.ts";
import type { CertPair } from "../pki/ca.ts";
import { issueClientCert } from "../pki/certs.ts";
import { RestClient } from "../client/rest-client.ts";
import { runAgent, type RunningAgent } from "../agent/run.ts";
import { credentialsDir, nodePassword } from "../agent/join.ts";
import { CertRenewer } from "../agent/cert-renewer.ts";
import { interfaceIPv4 } from "../agent/network/node-ips.ts";
import { parseLabels, parseTaints } from "../config/sources.ts";
import { componentSettings } from "../config/component-args.ts";
import { defaultDatastoreQuota } from "../config/datastore-quota.ts";
import { kubeletSettings } from "../config/kubelet-args.ts";
import { ManifestDeployer } from "./manifests/deployer.ts";
import { serverNetwork } from "../config/server-config.ts";
import { apiServiceIP } from "../model/cluster-network.ts";
import { metrics as apiMetrics, registry as metricsRegistry } from "../api/request-metrics.ts";
import { startMemoryTrim } from "../lib/memory-trim.ts";

/**
 * Revisions skipped after a restore from the replica: Litestream's RPO is ≈ 1 s and the store
 * commits at most ≈ 30k writes/s (bench/store.ts), so this is several seconds of the fastest load.
 */
const RESTORE_REVISION_GAP = 100_000;
/** Above this the server's memory is its data, and a full collection would stop it for long (~0.1 s with 10,000 Pods). */
const TRIM_BELOW_RSS_BYTES = 256 * 1024 * 1024;

export interface ServerHandle {
  port: number;
  kubeconfigPath: string;
  store: Store;
  storage: ObjectStorage;
  registry: ResourceRegistry;
  /** Encryption at rest: its key set and the online rotation. */
  encryption: KeyRotation;
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
  /** The per-source budget of failed authentications; tests shrink it. */
  authFailures?: FailureLimiterOptions;
  /** Offer HTTP/2 (ALPN h2) on the API port beside HTTP/1.1. */
  http2?: boolean;
  /** How long node certificates are valid (default 365 days); tests shorten it (K3RS_CERT_LIFETIME_SECONDS). */
  nodeCertLifetimeMs?: number;
}

export async function startServer(cfg: ServerConfig, deps: ServerRunDeps = {}): Promise<ServerHandle> {
  const t0 = performance.now();
  const serverDir = join(cfg.dataDir, "server");
  for (const d of [serverDir, join(serverDir, "db"), join(serverDir, "tls"), join(serverDir, "cred")]) mkdirSync(d, { recursive: true, mode: 0o700 });

  // As K3s: without --node-ip, the address of --flannel-iface is the node's.
  const nodeIp = cfg.nodeIp ?? (cfg.flannelIface ? interfaceIPv4(cfg.flannelIface) : undefined) ?? primaryIPv4() ?? "127.0.0.1";
  const dbPath = join(serverDir, "db", "state.db");
  // With a replica, an empty box first gets the store back from it (Litestream restore).
  const replica: ReplicaSettings | undefined = cfg.datastoreReplica
    ? { url: cfg.datastoreReplica, endpoint: cfg.datastoreReplicaEndpoint, accessKey: cfg.datastoreReplicaAccessKey, secretKey: cfg.datastoreReplicaSecretKey, region: cfg.datastoreReplicaRegion }
    : undefined;
  const replication = replica ? await prepareReplication({ dataDir: cfg.dataDir, dbPath, replica }) : undefined;
  const tlsDir = join(serverDir, "tls");
  const tokenPath = join(serverDir, "token");
  // The secrets-encryption key travels sealed with the PKI; it must be on disk before the store
  // opens, since opening reads (and decrypts) the objects.
  const sealedExtra = { "encryption-config.json": encryptionConfigPath(cfg.dataDir) };
  let secret = cfg.token;
  // Join token in the K3s form; the secret persists so that agents keep working across restarts.
  if (!secret && existsSync(tokenPath)) secret = readFileSync(tokenPath, "utf8").trim().split("::server:")[1];
  try {
    // The store may carry the PKI sealed with the token (restored from a replica or a snapshot):
    // it is unsealed before anything is written, so a wrong token changes nothing.
    const restored = existsSync(dbPath) ? restoreBootstrap(bootstrapTableAt(dbPath), tlsDir, secret, Date.now(), sealedExtra) : [];
    if (restored.length > 0) log.info("PKI restored from the store", { files: restored });
  } catch (e) {
    await replication?.stop();
    // A database this start restored goes again: the next start restores afresh (and moves the
    // revision past the gap), and a refused token leaves the box as it found it.
    if (replication?.restored) removeDatabaseFiles(dbPath);
    throw e;
  }
  // One owner checkpoints the WAL: Litestream when it replicates, SQLite's autocheckpoint otherwise.
  const encryption = ensureSecretsEncryption(cfg.dataDir, cfg.encryptResources);
  const quota = cfg.datastoreQuota ?? defaultDatastoreQuota();
  const store = openSqliteStore({
    path: dbPath,
    walAutoCheckpoint: replication ? 0 : 1000,
    transformer: encryption.transformer,
    quotaBytes: quota > 0 ? quota : undefined,
    onSyncFailed: (error) => log.error("store: the WAL could not be synced to disk; writes are refused until the server restarts", { error: String(error.cause ?? error) }),
    // Once per spell, not per write: a full disk would otherwise fill the log as fast as clients retry.
    onWritesFailing: (error) => log.error("store: writes fail (each is refused, nothing committed is lost); logged once until one succeeds", { path: dbPath, error: String(error.message), cause: String((error.cause as Error)?.message ?? error.cause) }),
    onWritesRecovered: () => log.info("store: writes succeed again", { path: dbPath }),
  });
  if (replication?.restored) {
    // Writes of the last second before the loss may have been acknowledged with revisions the
    // replica never got: skip past them, so no resourceVersion is handed out twice.
    const from = store.revision();
    log.info("revision moved past what the lost server may have handed out", { from, to: store.bumpRevision(from + RESTORE_REVISION_GAP) });
  }
  let pki: Awaited<ReturnType<typeof ensureServerPki>>;
  let serviceAccountKey: ReturnType<typeof ensureServiceAccountKey>;
  try {
    pki = await ensureServerPki(tlsDir, {
      hostnames: unique(["localhost", hostname(), cfg.nodeName, ...cfg.tlsSan.filter((s) => !isIp(s))]),
      // K3s puts --node-external-ip in the serving cert: clients reach the API by it too.
      ips: unique(["127.0.0.1", nodeIp, ...(cfg.nodeExternalIp ?? []), ...cfg.tlsSan.filter(isIp)]),
      apiServiceIp: apiServiceIP(cfg.serviceCidr),
    });
    serviceAccountKey = ensureServiceAccountKey(tlsDir);
    secret ??= generateSecret();
    saveBootstrap(store, tlsDir, secret, sealedExtra);
  } catch (e) {
    await store.close();
    await replication?.stop();
    if (replication?.restored) removeDatabaseFiles(dbPath);
    throw e;
  }
  const sealedWith = secret;
  writeFileSync(tokenPath, formatToken(pki.caHash, secret) + "\n", { mode: 0o600 });
  chmodSync(tokenPath, 0o600);
  replication?.start();

  const components = componentSettings(cfg.kubeControllerManagerArg, cfg.kubeApiserverArg);
  const stopCompactor = startCompactor({
    store,
    intervalMs: components.etcdCompactionIntervalMs ?? DEFAULT_COMPACTION_INTERVAL_MS,
    onCompact: (r) => log.debug("store compacted", { revision: r.compactedTo, ...r.maintenance }),
    onError: (error) => log.warn("store compaction failed; retrying at the next interval", { error: String(error) }),
  });
  const background = new AbortController();
  // What start-up and bursts leave, given back while the server is small (lib/memory-trim.ts).
  startMemoryTrim({ signal: background.signal, firstAfterMs: 15_000, when: () => process.memoryUsage.rss() < TRIM_BELOW_RSS_BYTES });
  if (!cfg.disableSnapshots) {
    const retention = cfg.snapshotRetention ?? DEFAULT_SNAPSHOT_RETENTION;
    const bucket = replica && snapshotBucket(replica);
    startSnapshotSchedule({
      spec: cfg.snapshotScheduleCron ?? DEFAULT_SNAPSHOT_SCHEDULE,
      signal: background.signal,
      run: async () => {
        const saved = await saveSnapshotApart(cfg.dataDir, cfg.nodeName);
        const pruned = pruneSnapshots(cfg.dataDir, DEFAULT_SNAPSHOT_NAME, retention);
        log.info("scheduled snapshot saved", { name: saved.name, revision: saved.revision, bytes: saved.bytes, pruned: pruned.length });
        if (bucket) {
          const key = await bucket.upload(saved.path);
          const gone = await bucket.prune(DEFAULT_SNAPSHOT_NAME, retention);
          log.info("scheduled snapshot uploaded", { key, pruned: gone.length });
        }
      },
      onError: (error) => log.error("scheduled snapshot failed", { error: String(error), cause: String((error as Error)?.cause ?? "") }),
    });
  }
  const rotation = new KeyRotation({
    transformer: encryption.transformer,
    keys: encryption.keys,
    resources: encryption.resources,
    store,
    // The file first, then the sealed copy a restore would bring back: both hold every key in use at every moment.
    persist: (keys) => {
      writeSecretsEncryption(encryptionConfigPath(cfg.dataDir), encryption.resources, keys);
      saveBootstrap(store, tlsDir, sealedWith, sealedExtra);
    },
    stage: readRotationStage(cfg.dataDir),
    saveStage: (stage) => saveRotationStage(cfg.dataDir, stage),
    signal: background.signal,
    onPassEnd: ({ error, progress, retired }) =>
      error && background.signal.aborted
        ? log.info("secrets re-encryption paused by the stop; the next start resumes it", { done: progress.done, total: progress.total })
        : error
        ? log.error("secrets re-encryption stopped; rotate-keys or reencrypt runs it again (a restart resumes it)", { error: String(error), done: progress.done, total: progress.total })
        : log.info("secrets re-encrypted", { values: progress.done, retiredKeys: retired }),
  });
  let ready = false;
  const cp = await createControlPlane({
    encryption: rotation,
    store,
    serviceCidr: cfg.serviceCidr,
    advertiseAddress: `${nodeIp}:${cfg.httpsListenPort}`,
    nodeIp,
    ready: () => ready,
    join: { ca: pki.ca, secret, agentSecret: agentJoinSecret(serverDir, cfg.agentToken, pki.caHash), nodeCertLifetimeMs: deps.nodeCertLifetimeMs },
    serviceAccountKey,
    rootCaPem: pki.ca.certPem,
    audit: auditOptions(cfg),
    imagesDir: join(serverDir, "images"),
    schedulerProfile: cfg.schedulerProfile,
    network: serverNetwork(cfg),
    controllerSettings: { clusterCidr: cfg.clusterCidr, serviceLb: !(cfg.disable ?? []).includes("servicelb"), ...components },
    metricResolutionMs: deps.metricResolutionMs,
    authFailures: deps.authFailures,
  });
  const { app, storage, registry } = cp;
  const server: RunningServer = await serveHttps({
    fetch: (req, env) => app.fetch(req, env),
    authenticate: cp.authenticate,
    timeouts: deps.transportTimeouts,
    maxUntrustedConnections: deps.maxUntrustedConnections,
    http2: deps.http2,
    onClosed: (reason) => apiMetrics.connectionsClosed.inc({ reason }),
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
  // The server's own node holds its name with a node password like any joined node, so the
  // join token cannot hand another machine its identity (and its tunnel).
  if (!cfg.disableAgent) await cp.join?.claimNodeName({ nodeName: cfg.nodeName, nodePassword: nodePassword(credentialsDir(cfg.dataDir)) }, true);
  const agent = cfg.disableAgent ? undefined : await startEmbeddedAgent(cfg, pki.ca, `https://${localHost}:${server.port}`, nodeIp, deps.nodeCertLifetimeMs);

  ready = true;
  // A rotation a stop interrupted (several keys configured) finishes now.
  rotation.resume();
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
    const released = cp.stop();
    stopCompactor();
    background.abort();
    await server.close();
    await released;
    await rotation.settled();
    await store.close();
    await replication?.stop();
  };
  deps.signal?.addEventListener("abort", () => void stop(), { once: true });
  return { port: server.port, kubeconfigPath: extra ?? kubeconfigPath, store, storage, registry, encryption: rotation, stop };
}

/**
 * The server's own node: an agent in this process with a node certificate the server issues
 * itself, talking to the API over loopback HTTPS exactly as a remote agent does.
 */
async function startEmbeddedAgent(cfg: ServerConfig, ca: CertPair, url: string, nodeIp: string, lifetimeMs: number | undefined): Promise<RunningAgent> {
  const cred = await issueClientCert(ca, { commonName: `system:node:${cfg.nodeName}`, organizations: ["system:nodes"], lifetimeMs });
  const client = new RestClient({ server: url, ca: ca.certPem, cert: cred.certPem, key: cred.keyPem, path: "(embedded agent)" });
  const stopRenewal = new AbortController();
  // A server that runs longer than the certificate's life renews it as a joined agent does.
  new CertRenewer({ client, nodeName: cfg.nodeName, nodePassword: nodePassword(credentialsDir(cfg.dataDir)), signal: stopRenewal.signal }).start();
  const agent = await runAgent({
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
  }).catch((e) => {
    stopRenewal.abort();
    throw e;
  });
  return {
    ...agent,
    stop: () => {
      stopRenewal.abort();
      agent.stop();
    },
  };
}

/**
 * `--agent-token`: a join secret for agents only (K3s' `K10<hash>::node:<secret>`), written to
 * `<data-dir>/server/agent-token` and kept across restarts once given.
 */
function agentJoinSecret(serverDir: string, given: string | undefined, caHash: string): string | undefined {
  const path = join(serverDir, "agent-token");
  let secret = given === undefined ? undefined : parseToken(given).secret;
  if (secret === undefined && existsSync(path)) secret = parseToken(readFileSync(path, "utf8")).secret;
  if (secret === undefined) return undefined;
  writeFileSync(path, formatToken(caHash, secret, "node") + "\n", { mode: 0o600 });
  chmodSync(path, 0o600);
  return secret;
}

/** `--audit-log-path`, `--audit-policy-file`, … (or through `--kube-apiserver-arg`): the audit log, its policy read now (a bad file stops the start). */
function auditOptions(cfg: ServerConfig): AuditOptions | undefined {
  const a = resolvedAuditSettings(cfg);
  if (!a.path) return undefined;
  let policy;
  if (a.policyFile) {
    try {
      policy = parseAuditPolicy(readFileSync(a.policyFile, "utf8"));
    } catch (cause) {
      throw new Error(`reading the audit policy ${a.policyFile}`, { cause });
    }
  }
  return { path: a.path, policy, maxBytes: a.maxBytes, maxBackups: a.maxBackups, maxAgeDays: a.maxAgeDays };
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
