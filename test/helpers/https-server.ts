/**
 * A real `k3rs server` (HTTPS, no agent) in this process for integration tests, and what an
 * agent holds after joining it: a node certificate, a REST client with it, a tunnel.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { startServer, type ServerHandle, type ServerRunDeps } from "../../src/server/run.ts";
import type { ServerConfig } from "../../src/config/server-config.ts";
import { issueClientCert } from "../../src/pki/certs.ts";
import { RestClient } from "../../src/client/rest-client.ts";
import { TunnelClient } from "../../src/tunnel/agent.ts";

export function startHttpsTestServer(dataDir: string, nodeName: string, deps?: ServerRunDeps, overrides: Partial<ServerConfig> = {}): Promise<ServerHandle> {
  const cfg: ServerConfig = {
    dataDir, httpsListenPort: 0, bindAddress: "127.0.0.1", nodeName, nodeIp: "127.0.0.1", disableAgent: true,
    disable: [],
    writeKubeconfigMode: 0o600, debug: false, clusterCidr: "10.42.0.0/16", serviceCidr: "10.43.0.0/16", tlsSan: [], nodeLabel: [], nodeTaint: [],
    runtime: "fake", kubeControllerManagerArg: [], kubeApiserverArg: [], kubeletArg: [],
    ...overrides,
  };
  return startServer(cfg, deps);
}

/** A node certificate signed by the server's CA, as `k3rs agent` receives at join. */
export async function nodeTls(dataDir: string, nodeName: string): Promise<{ ca: string; cert: string; key: string }> {
  const tls = join(dataDir, "server", "tls");
  const ca = { certPem: readFileSync(join(tls, "server-ca.crt"), "utf8"), keyPem: readFileSync(join(tls, "server-ca.key"), "utf8") };
  const cred = await issueClientCert(ca, { commonName: `system:node:${nodeName}`, organizations: ["system:nodes"] });
  return { ca: ca.certPem, cert: cred.certPem, key: cred.keyPem };
}

export async function nodeClient(server: ServerHandle, dataDir: string, nodeName: string): Promise<RestClient> {
  const t = await nodeTls(dataDir, nodeName);
  return new RestClient({ server: `https://127.0.0.1:${server.port}`, ca: t.ca, cert: t.cert, key: t.key, path: `(node ${nodeName})` });
}

/** A node's tunnel to the server, serving its agent API; resolves once connected. */
export async function connectTunnel(o: { server: ServerHandle; dataDir: string; nodeName: string; signal: AbortSignal; serve: ConstructorParameters<typeof TunnelClient>[0]["serve"] }): Promise<TunnelClient> {
  const tls = await nodeTls(o.dataDir, o.nodeName);
  const tunnel = new TunnelClient({ server: `https://127.0.0.1:${o.server.port}`, tls, nodeName: o.nodeName, signal: o.signal, serve: o.serve }).start();
  await tunnel.waitConnected();
  return tunnel;
}
