/**
 * The records each Kubernetes object contributes, as pure functions (the DNS specification
 * for Kubernetes, kubernetes/dns docs/specification.md, and CoreDNS's kubernetes plugin as the
 * reference for the details it leaves open):
 * - a ClusterIP Service: A/AAAA for `<svc>.<ns>.svc.<zone>`, SRV per port, PTR for the IP;
 * - a headless Service: A/AAAA for each ready endpoint, `<hostname>.<svc>.<ns>.svc.<zone>` (or
 *   the dashed IP when the endpoint has no hostname), SRV targeting those names;
 * - an ExternalName Service: a CNAME;
 * - endpoint IPs of every Service: PTR to the endpoint's name (CoreDNS answers these for all
 *   Services, headless or not);
 * - a Node: A/AAAA for its name and PTR for its InternalIPs (K3s's NodeHosts).
 */
import { isIPv4, isIPv6 } from "node:net";
import type { KubeObject } from "../../model/object.ts";
import { dashedIp, normalizeName, reverseName } from "./names.ts";
import { recordKey, T, type DnsRecord, type SrvRecord } from "./records.ts";

export interface RecordContext {
  /** Cluster domain, normalised (`cluster.local`). */
  domain: string;
  /** TTL of cluster records (CoreDNS's kubernetes plugin: 5 s). */
  ttl: number;
}

export const SERVICE_NAME_LABEL = "kubernetes.io/service-name";

function address(name: string, ip: string, ttl: number): DnsRecord | undefined {
  if (isIPv4(ip)) return { name, type: T.A, ttl, address: ip };
  if (isIPv6(ip)) return { name, type: T.AAAA, ttl, address: ip };
  return undefined;
}

function ptr(ip: string, target: string, ttl: number): DnsRecord | undefined {
  const rev = reverseName(ip);
  return rev ? { name: rev, type: T.PTR, ttl, domain: target } : undefined;
}

function proto(p: any): string {
  return String(p?.protocol ?? "TCP").toLowerCase();
}

/**
 * SRV weights as CoreDNS gives them: records of one owner name and priority share 100, each
 * getting ⌊100 / n⌋ and at least 1, so clients spread evenly.
 */
function weigh(srvs: SrvRecord[]): SrvRecord[] {
  const count = new Map<string, number>();
  for (const s of srvs) count.set(s.name, (count.get(s.name) ?? 0) + 1);
  return srvs.map((s) => ({ ...s, weight: Math.max(1, Math.floor(100 / count.get(s.name)!)) }));
}

function dedupe<R extends DnsRecord>(records: R[]): R[] {
  const seen = new Set<string>();
  return records.filter((r) => {
    const k = recordKey(r);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

export function serviceFqdn(namespace: string, name: string, domain: string): string {
  return `${name}.${namespace}.svc.${domain}`.toLowerCase();
}

/** Whether an endpoint is published: ready (unset counts as ready) or the Service publishes not-ready addresses. */
function published(ep: any, svc: KubeObject): boolean {
  if (svc.spec?.publishNotReadyAddresses) return true;
  return ep?.conditions?.ready !== false;
}

export function clusterIPs(svc: KubeObject): string[] {
  const ips: string[] = svc.spec?.clusterIPs?.length ? svc.spec.clusterIPs : svc.spec?.clusterIP ? [svc.spec.clusterIP] : [];
  return ips.filter((ip) => ip && ip !== "None");
}

export function isHeadless(svc: KubeObject): boolean {
  return svc.spec?.clusterIP === "None" || svc.spec?.clusterIPs?.[0] === "None";
}

/** All records of one Service, from the Service and its EndpointSlices. */
export function serviceRecords(svc: KubeObject, slices: Iterable<KubeObject>, ctx: RecordContext): DnsRecord[] {
  const ns = svc.metadata.namespace ?? "default";
  const fqdn = serviceFqdn(ns, svc.metadata.name!, ctx.domain);
  const ttl = ctx.ttl;
  const out: DnsRecord[] = [];
  const srvs: SrvRecord[] = [];
  const srv = (owner: string, port: number, target: string) =>
    srvs.push({ name: owner, type: T.SRV, ttl, priority: 0, weight: 100, port, target });

  if (svc.spec?.type === "ExternalName") {
    if (svc.spec.externalName) out.push({ name: fqdn, type: T.CNAME, ttl, domain: normalizeName(String(svc.spec.externalName)) });
    return out;
  }
  const headless = isHeadless(svc);
  if (!headless) {
    for (const ip of clusterIPs(svc)) {
      const a = address(fqdn, ip, ttl);
      if (a) out.push(a);
      const p = ptr(ip, fqdn, ttl);
      if (p) out.push(p);
    }
    if (clusterIPs(svc).length) {
      for (const p of svc.spec?.ports ?? []) {
        if (!p?.port) continue;
        if (p.name) srv(`_${p.name}._${proto(p)}.${fqdn}`.toLowerCase(), p.port, fqdn);
        srv(fqdn, p.port, fqdn);
      }
    }
  }
  for (const slice of slices) {
    if (slice.addressType === "FQDN") continue;
    const ports: any[] = slice.ports ?? [];
    for (const ep of slice.endpoints ?? []) {
      if (!published(ep, svc)) continue;
      for (const ip of ep.addresses ?? []) {
        if (!isIPv4(ip) && !isIPv6(ip)) continue;
        const host = `${(ep.hostname ? String(ep.hostname) : dashedIp(ip)).toLowerCase()}.${fqdn}`;
        const p = ptr(ip, host, ttl);
        if (p) out.push(p);
        if (!headless) continue;
        out.push(address(fqdn, ip, ttl)!, address(host, ip, ttl)!);
        for (const port of ports) {
          if (!port?.port) continue;
          if (port.name) srv(`_${port.name}._${proto(port)}.${fqdn}`.toLowerCase(), port.port, host);
          srv(fqdn, port.port, host);
        }
      }
    }
  }
  return dedupe([...out, ...weigh(dedupe(srvs))]);
}

/** The pod's IPs (status.podIPs, else status.podIP); none for host-network pods, whose IP is the node's. */
export function podIPs(pod: KubeObject): string[] {
  if (pod.spec?.hostNetwork) return [];
  const ips: string[] = (pod.status?.podIPs ?? []).map((p: any) => p?.ip).filter(Boolean);
  if (!ips.length && pod.status?.podIP) ips.push(pod.status.podIP);
  return ips.filter((ip) => isIPv4(ip) || isIPv6(ip));
}

/** `a-b-c-d.<ns>.pod.<zone>`, the name a pod IP's PTR falls back to when no Service names it. */
export function podFqdn(namespace: string, ip: string, domain: string): string {
  return `${dashedIp(ip)}.${namespace}.pod.${domain}`.toLowerCase();
}

/** A Node's name → its InternalIPs, and the reverse, as K3s's NodeHosts (TTL from the hosts plugin config). */
export function nodeRecords(node: KubeObject, ttl: number): DnsRecord[] {
  const name = normalizeName(node.metadata.name ?? "");
  if (!name) return [];
  const out: DnsRecord[] = [];
  for (const a of node.status?.addresses ?? []) {
    if (a?.type !== "InternalIP") continue;
    const rec = address(name, String(a.address), ttl);
    if (!rec) continue;
    out.push(rec);
    out.push(ptr(String(a.address), name, ttl)!);
  }
  return dedupe(out);
}
