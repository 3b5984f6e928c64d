/**
 * `GET /metrics/resource` — the kubelet's resource metrics endpoint: node CPU and memory from
 * the host, containers' (and pods') from the runtime, each with the moment it was read, in
 * Prometheus text. The server's metrics scraper reads it through the tunnel every resolution
 * period; metrics-server could read it as it reads a kubelet's.
 *
 * When the runtime's stats cannot be read the node's figures are still served and
 * `resource_scrape_error` says 1, as the kubelet does: containers missing, not idle.
 */
import type { Runtime } from "../runtime/types.ts";
import type { NodeUsagePoint, ResourceReport } from "../../resource-metrics/types.ts";
import { PROM_TEXT_CONTENT_TYPE, renderResourceReport } from "../../resource-metrics/resource-report.ts";
import { readNodeUsage } from "../stats/node-usage.ts";
import { log } from "../../log.ts";

export interface ResourceMetricsDeps {
  runtime: Runtime;
  /** The node's own reading (tests hand in fixed figures); the host's by default. */
  nodeUsage?: () => NodeUsagePoint | undefined;
}

export async function resourceMetrics(deps: ResourceMetricsDeps): Promise<Response> {
  const report: ResourceReport = { node: (deps.nodeUsage ?? readNodeUsage)(), containers: [] };
  if (deps.runtime.usageStats) {
    try {
      const stats = await deps.runtime.usageStats();
      report.containers = stats.containers;
      if (stats.pods) report.pods = stats.pods;
    } catch (e) {
      log.warn("agent api: reading container stats failed", { error: String(e) });
      report.scrapeError = true;
    }
  }
  return new Response(renderResourceReport(report), { headers: { "content-type": PROM_TEXT_CONTENT_TYPE } });
}
