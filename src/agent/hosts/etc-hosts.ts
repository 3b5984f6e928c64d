/**
 * The pod's hostname and its /etc/hosts, as the kubelet writes them (`kubelet_pods.go`
 * makeHostsMount): the pod's IP under its hostname (and FQDN with a subdomain), then the
 * spec's hostAliases. A host-network pod gets the node's own /etc/hosts.
 */
import { copyFile, writeFile } from "node:fs/promises";
import type { KubeObject } from "../../model/object.ts";

/** The pod's hostname: spec.hostname, or the pod name cut to a DNS label; the node's on the host network. */
export function podHostname(pod: KubeObject, nodeHostname: string): string {
  if (pod.spec?.hostNetwork) return nodeHostname;
  return (pod.spec?.hostname ?? pod.metadata.name ?? "").slice(0, 63).replace(/[-.]+$/, "");
}

export function etcHostsContent(pod: KubeObject, podIP: string | undefined, hostname: string, clusterDomain = "cluster.local"): string {
  const lines = [
    "# Kubernetes-managed hosts file.",
    "127.0.0.1\tlocalhost",
    "::1\tlocalhost ip6-localhost ip6-loopback",
    "fe00::0\tip6-localnet",
    "fe00::0\tip6-mcastprefix",
    "fe00::1\tip6-allnodes",
    "fe00::2\tip6-allrouters",
  ];
  if (podIP) {
    const sub = pod.spec?.subdomain;
    lines.push(sub ? `${podIP}\t${hostname}.${sub}.${pod.metadata.namespace}.svc.${clusterDomain}\t${hostname}` : `${podIP}\t${hostname}`);
  }
  const aliases: any[] = pod.spec?.hostAliases ?? [];
  if (aliases.length) {
    lines.push("", "# Entries added by HostAliases.");
    for (const a of aliases) lines.push(`${a.ip}\t${(a.hostnames ?? []).join("\t")}`);
  }
  return `${lines.join("\n")}\n`;
}

/**
 * Writes the pod's hosts file at `path`. `nodeHosts`: the node's /etc/hosts, copied for a
 * host-network pod; absent on a hollow node, whose host is imagined (it gets the pod form).
 */
export async function writeEtcHosts(path: string, pod: KubeObject, podIP: string | undefined, hostname: string, nodeHosts?: string): Promise<void> {
  if (pod.spec?.hostNetwork && nodeHosts) await copyFile(nodeHosts, path);
  else await writeFile(path, etcHostsContent(pod, podIP, hostname));
}
