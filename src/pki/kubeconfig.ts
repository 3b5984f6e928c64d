/** Admin kubeconfigs in the form K3s writes (inline base64 CA, client cert and key). */
import { chmod, mkdir, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import YAML from "yaml";

export interface KubeconfigOptions {
  server: string;
  caPem: string;
  clientCertPem: string;
  clientKeyPem: string;
  /** Cluster and context name; default "default", as in k3s.yaml. */
  clusterName?: string;
  /** Default "default". */
  user?: string;
}

const b64 = (s: string) => Buffer.from(s).toString("base64");

/**
 * @example
 * renderKubeconfig({ server: "https://127.0.0.1:6443", caPem: pki.ca.certPem,
 *   clientCertPem: pki.admin.certPem, clientKeyPem: pki.admin.keyPem })
 */
export function renderKubeconfig(o: KubeconfigOptions): string {
  const cluster = o.clusterName ?? "default";
  const user = o.user ?? "default";
  return YAML.stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: cluster, cluster: { server: o.server, "certificate-authority-data": b64(o.caPem) } }],
    contexts: [{ name: cluster, context: { cluster, user } }],
    "current-context": cluster,
    preferences: {},
    users: [{ name: user, user: { "client-certificate-data": b64(o.clientCertPem), "client-key-data": b64(o.clientKeyPem) } }],
  });
}

/** Written atomically (temp file + rename) with the mode applied even when the file existed. */
export async function writeKubeconfig(path: string, text: string, mode = 0o600): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, text, { mode });
  await chmod(tmp, mode);
  await rename(tmp, path);
}
