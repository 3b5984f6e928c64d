/**
 * `k3rs server`: opens the store, makes or loads the PKI, starts the API over HTTPS, writes
 * the admin kubeconfig and join token, and runs until signalled. Knows nothing of flags.
 */
import { mkdirSync, writeFileSync, existsSync, readFileSync, chmodSync } from "node:fs";
import { hostname, networkInterfaces } from "node:os";
import { dirname, join } from "node:path";
import type { ServerConfig } from "../config/server-config.ts";
import { openSqliteStore } from "../store/sqlite.ts";
import { ResourceRegistry } from "../api/resources/registry.ts";
import { ObjectStorage } from "../api/storage/object-storage.ts";
import { namespaceLifecycle } from "../api/admission/namespace-lifecycle.ts";
import { ServiceAllocator, parseCidr } from "../api/admission/service-allocator.ts";
import { createApi } from "../api/app.ts";
import { clientCertAuthenticator } from "../api/auth/authenticate.ts";
import { allowAuthenticated } from "../api/auth/authorize.ts";
import { serveHttps, type RunningServer } from "../api/serve.ts";
import { bootstrapObjects } from "./bootstrap.ts";
import { objectStoreKey } from "../api/storage/keys.ts";
import { kubernetesVersion } from "../version.ts";
import { ensureServerPki } from "../pki/bootstrap.ts";
import { renderKubeconfig, writeKubeconfig } from "../pki/kubeconfig.ts";
import { formatToken, generateSecret } from "../pki/token.ts";
import type { Store } from "../store/types.ts";
import { log } from "../log.ts";
import { startNamespaceController } from "../controllers/namespace/controller.ts";

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
}

export async function startServer(cfg: ServerConfig, deps: ServerRunDeps = {}): Promise<ServerHandle> {
  const t0 = performance.now();
  const serverDir = join(cfg.dataDir, "server");
  for (const d of [serverDir, join(serverDir, "db"), join(serverDir, "tls"), join(serverDir, "cred")]) mkdirSync(d, { recursive: true, mode: 0o700 });

  const nodeIp = cfg.nodeIp ?? primaryIPv4() ?? "127.0.0.1";
  const pki = await ensureServerPki(join(serverDir, "tls"), {
    hostnames: unique(["localhost", hostname(), cfg.nodeName, ...cfg.tlsSan.filter((s) => !isIp(s))]),
    ips: unique(["127.0.0.1", nodeIp, "10.43.0.1", ...cfg.tlsSan.filter(isIp)]),
  });

  const store = openSqliteStore({ path: join(serverDir, "db", "state.db") });
  const registry = new ResourceRegistry();
  const allocator = new ServiceAllocator(parseCidr(cfg.serviceCidr));
  const nsDef = registry.find("", "v1", "namespaces")!;
  const storage = new ObjectStorage({
    store,
    admission: [namespaceLifecycle(async (name) => (await store.get(objectStoreKey(nsDef, undefined, name)))?.object), allocator],
  });
  const svcDef = registry.find("", "v1", "services")!;
  allocator.load((await storage.list(svcDef, undefined)).items);

  let ready = false;
  const app = createApi({
    registry,
    storage,
    authenticators: [clientCertAuthenticator],
    authorizer: allowAuthenticated,
    version: kubernetesVersion(),
    advertiseAddress: `${nodeIp}:${cfg.httpsListenPort}`,
    ready: () => ready,
  });
  const server: RunningServer = await serveHttps({
    fetch: (req, env) => app.fetch(req, env),
    host: cfg.bindAddress,
    port: cfg.httpsListenPort,
    certPem: pki.serving.certPem,
    keyPem: pki.serving.keyPem,
    caPem: pki.ca.certPem,
  });

  await bootstrapObjects(storage, registry, { apiPort: server.port, nodeIp });
  const controllers = new AbortController();
  void startNamespaceController({ storage, registry, signal: controllers.signal });

  // Join token in the K3s form; the secret persists so that agents keep working across restarts.
  const tokenPath = join(serverDir, "token");
  let secret = cfg.token;
  if (!secret && existsSync(tokenPath)) secret = readFileSync(tokenPath, "utf8").trim().split("::server:")[1];
  secret ??= generateSecret();
  writeFileSync(tokenPath, formatToken(pki.caHash, secret) + "\n", { mode: 0o600 });
  chmodSync(tokenPath, 0o600);

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
    controllers.abort();
    await server.close();
    await store.close();
  };
  deps.signal?.addEventListener("abort", () => void stop(), { once: true });
  return { port: server.port, kubeconfigPath: extra ?? kubeconfigPath, store, storage, registry, stop };
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
