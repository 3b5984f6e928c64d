/**
 * The server's metrics-server: every resolution period (15 s by default, as metrics-server's
 * --metric-resolution) it reads `/metrics/resource` from each node whose agent holds a tunnel,
 * all nodes at once, each with a deadline, and hands the readings to the store. Nodes without
 * a tunnel (hollow nodes, agents away) are never asked and keep no readings.
 *
 * @example
 *   const store = new MetricsStore(15_000);
 *   new MetricsScraper({ connector: dialer, nodes: () => dialer.connectedNodes(), store }).start(signal);
 */
import type { NodeConnector } from "../../tunnel/types.ts";
import { decodeResourceReport, RESOURCE_METRICS_PATH } from "../../resource-metrics/resource-report.ts";
import type { MetricsStore } from "./usage-store.ts";
import { log } from "../../log.ts";
import { sleep } from "../../lib/sleep.ts";

export const DEFAULT_METRIC_RESOLUTION_MS = 15_000;
/** metrics-server's --kubelet-request-timeout default. */
const MAX_SCRAPE_TIMEOUT_MS = 10_000;

export interface MetricsScraperOptions {
  connector: Pick<NodeConnector, "fetch">;
  /** The nodes that can be reached now. */
  nodes: () => string[];
  store: MetricsStore;
  resolutionMs?: number;
  now?: () => number;
}

export class MetricsScraper {
  private readonly resolutionMs: number;
  private readonly now: () => number;

  constructor(private readonly o: MetricsScraperOptions) {
    this.resolutionMs = o.resolutionMs ?? DEFAULT_METRIC_RESOLUTION_MS;
    this.now = o.now ?? Date.now;
  }

  /** Scrapes now and then every resolution period until `signal` aborts. */
  start(signal: AbortSignal): void {
    const loop = async () => {
      while (!signal.aborted) {
        await this.scrapeOnce(signal);
        await sleep(this.resolutionMs, signal);
      }
    };
    void loop();
  }

  /** One round over every reachable node; nodes no longer reachable are forgotten. */
  async scrapeOnce(signal?: AbortSignal): Promise<void> {
    const nodes = this.o.nodes();
    const reachable = new Set(nodes);
    for (const name of this.o.store.nodeNames()) if (!reachable.has(name)) this.o.store.drop(name);
    await Promise.all(nodes.map((name) => this.scrapeNode(name, signal)));
  }

  private async scrapeNode(name: string, outer?: AbortSignal): Promise<void> {
    const timeout = AbortSignal.timeout(Math.min(MAX_SCRAPE_TIMEOUT_MS, Math.max(1, Math.floor(this.resolutionMs * 0.9))));
    const signal = outer ? AbortSignal.any([outer, timeout]) : timeout;
    const started = this.now();
    try {
      const res = await this.o.connector.fetch(name, RESOURCE_METRICS_PATH, { signal });
      if (res.status !== 200) {
        await res.body?.cancel();
        throw new Error(`the agent answered HTTP ${res.status}`);
      }
      const text = await res.text();
      if (outer?.aborted) return;
      this.o.store.store(name, decodeResourceReport(text, started));
    } catch (e) {
      if (outer?.aborted) return;
      // Stale figures would mislead: the node shows none until it answers again.
      this.o.store.drop(name);
      log.debug("metrics: scraping a node failed", { node: name, error: e instanceof Error ? e.message : String(e) });
    }
  }
}

