/**
 * Keeps the node's cluster DNS listening: the first bind may fail (the address not yet on the
 * service device, another resolver holding port 53 on it), and the node should not stop for
 * that — pods resolve again as soon as it binds. Retries until the signal aborts; each new
 * reason is logged once.
 */
import type client from "prom-client";
import { type ClusterDns, type ClusterDnsStore, startClusterDns } from "../../net/dns/index.ts";
import { sleep } from "../../lib/sleep.ts";
import { log } from "../../log.ts";

export interface DnsServerOptions {
  store: ClusterDnsStore;
  hostname: string;
  port: number;
  upstreams: string[];
  registry?: client.Registry;
  signal: AbortSignal;
  retryMs?: number;
}

/** Resolves with the running server once bound; undefined when the signal aborted first. */
export async function keepDnsListening(o: DnsServerOptions): Promise<ClusterDns | undefined> {
  let lastError = "";
  while (!o.signal.aborted) {
    try {
      const dns = await startClusterDns({ store: o.store, hostname: o.hostname, port: o.port, upstreams: o.upstreams, registry: o.registry, signal: o.signal });
      if (lastError) log.info("cluster DNS: listening now", { address: `${o.hostname}:${dns.port}` });
      return dns;
    } catch (e) {
      // A failed start registered its metrics already; the next attempt registers them again.
      for (const m of o.registry?.getMetricsAsArray() ?? []) if (m.name.startsWith("k3rs_dns_")) o.registry!.removeSingleMetric(m.name);
      const msg = errorText(e);
      if (msg !== lastError) log.warn("cluster DNS: cannot listen yet; retrying", { address: `${o.hostname}:${o.port}`, error: msg });
      lastError = msg;
      await sleep(o.retryMs ?? 5000, o.signal);
    }
  }
  return undefined;
}

function errorText(e: unknown): string {
  if (e instanceof Error) return e.cause ? `${e.message}: ${errorText(e.cause)}` : e.message;
  return String(e);
}
