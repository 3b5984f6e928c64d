/**
 * The node's resolver configuration: parsing resolv.conf(5) and choosing the upstream servers
 * the cluster DNS forwards to.
 */

/** The CRI DNSConfig shape (and what resolv.conf holds): nameservers, search domains, options. */
export interface DnsConfig {
  servers: string[];
  searches: string[];
  options: string[];
}

/** Parses resolv.conf text; the last `search`/`domain` line wins, as in glibc. */
export function parseResolvConf(text: string): DnsConfig {
  const out: DnsConfig = { servers: [], searches: [], options: [] };
  for (const raw of text.split("\n")) {
    const line = raw.replace(/[#;].*$/, "").trim();
    if (!line) continue;
    const [key, ...rest] = line.split(/\s+/);
    if (key === "nameserver" && rest[0]) out.servers.push(rest[0]);
    else if (key === "search" || key === "domain") out.searches = rest.map((s) => s.replace(/\.$/, ""));
    else if (key === "options") out.options.push(...rest);
  }
  return out;
}

export function isLoopback(ip: string): boolean {
  return ip.startsWith("127.") || ip === "::1" || ip === "0:0:0:0:0:0:0:1";
}

/**
 * The upstreams to forward to. A loopback nameserver in /etc/resolv.conf is usually a stub
 * (systemd-resolved's 127.0.0.53) in front of the real ones, which it lists in
 * /run/systemd/resolve/resolv.conf — K3s and the kubelet read that file instead. Loopback
 * servers are kept only when nothing better is known: unlike CoreDNS in a pod, we run in the
 * node's network namespace, where the stub does answer.
 *
 * @example chooseUpstreams("nameserver 127.0.0.53", "nameserver 192.168.1.1") // ["192.168.1.1"]
 */
export function chooseUpstreams(etcResolvConf: string, systemdResolvConf?: string): string[] {
  const etc = parseResolvConf(etcResolvConf).servers;
  const real = etc.filter((s) => !isLoopback(s));
  if (real.length) return real;
  const systemd = systemdResolvConf ? parseResolvConf(systemdResolvConf).servers.filter((s) => !isLoopback(s)) : [];
  return systemd.length ? systemd : etc;
}

/** Reads the node's files and chooses upstreams (see chooseUpstreams). */
export async function nodeUpstreams(etcPath = "/etc/resolv.conf", systemdPath = "/run/systemd/resolve/resolv.conf"): Promise<string[]> {
  const read = async (p: string) => {
    const f = Bun.file(p);
    return (await f.exists()) ? await f.text() : undefined;
  };
  return chooseUpstreams((await read(etcPath)) ?? "", await read(systemdPath));
}

/** What K3s falls back to when the node has no usable resolver for pods. */
export const FALLBACK_POD_NAMESERVER = "8.8.8.8";

/**
 * The node resolv.conf pods see under dnsPolicy Default (and whose search domains ClusterFirst
 * appends), as K3s picks the kubelet's --resolv-conf: /etc/resolv.conf unless its nameservers
 * are all loopback (useless inside a pod's network namespace), then systemd-resolved's upstream
 * file, else a resolv.conf naming 8.8.8.8. Loopback servers are dropped from the one chosen.
 */
export function choosePodResolvConf(etcResolvConf: string, systemdResolvConf?: string): DnsConfig {
  for (const text of [etcResolvConf, systemdResolvConf]) {
    if (text === undefined) continue;
    const c = parseResolvConf(text);
    const servers = c.servers.filter((x) => !isLoopback(x));
    if (servers.length) return { ...c, servers };
  }
  const c = parseResolvConf(etcResolvConf);
  return { ...c, servers: [FALLBACK_POD_NAMESERVER] };
}

/** Reads the node's files and applies choosePodResolvConf. */
export async function nodePodResolvConf(etcPath = "/etc/resolv.conf", systemdPath = "/run/systemd/resolve/resolv.conf"): Promise<DnsConfig> {
  const read = async (p: string) => {
    const f = Bun.file(p);
    return (await f.exists()) ? await f.text() : undefined;
  };
  return choosePodResolvConf((await read(etcPath)) ?? "", await read(systemdPath));
}
