import { expect, test } from "bun:test";
import { MetricsScraper } from "./usage-scraper.ts";
import { MetricsStore } from "./usage-store.ts";
import { renderResourceReport } from "../../resource-metrics/resource-report.ts";

const T0 = 1_700_000_000_000;

/** An agent per node answering fixed readings that advance by 15 s and 0.5 core each scrape. */
function agents(names: string[]) {
  const round = new Map<string, number>();
  const asked: string[] = [];
  const answers = new Map<string, () => Response>();
  for (const name of names) {
    answers.set(name, () => {
      const i = round.get(name) ?? 0;
      round.set(name, i + 1);
      const t = T0 + i * 15_000;
      const text = renderResourceReport({
        node: { cpuCoreSeconds: 1000 + i * 7.5, memoryWorkingSetBytes: 2 ** 30, timestampMs: t },
        containers: [{ namespace: "default", pod: `on-${name}`, container: "c", cpuCoreSeconds: 1 + i * 7.5, memoryWorkingSetBytes: 8192, timestampMs: t, startTimeSeconds: (T0 - 3_600_000) / 1000 }],
      });
      return new Response(text);
    });
  }
  const connector = {
    async fetch(node: string, path: string) {
      asked.push(`${node} ${path}`);
      const a = answers.get(node);
      if (!a) throw new Error(`node "${node}" has no tunnel`);
      return a();
    },
  };
  return { connector, asked, answers };
}

test("each reachable node is read on /metrics/resource; usage after two rounds", async () => {
  const { connector, asked } = agents(["a", "b"]);
  const store = new MetricsStore(15_000);
  const scraper = new MetricsScraper({ connector, nodes: () => ["a", "b"], store });
  await scraper.scrapeOnce();
  expect(store.node("a")).toBeUndefined();
  await scraper.scrapeOnce();
  expect(asked.sort()).toEqual(["a /metrics/resource", "a /metrics/resource", "b /metrics/resource", "b /metrics/resource"]);
  expect(store.node("a")).toEqual({ usage: { cpu: "500m", memory: "1Gi" }, timestampMs: T0 + 15_000, windowMs: 15_000 });
  expect(store.pod("default", "on-b")?.containers).toEqual([{ name: "c", usage: { cpu: "500m", memory: "8Ki" } }]);
});

test("a node that fails, answers badly or is no longer reachable loses its readings", async () => {
  const { connector, answers } = agents(["ok", "broken", "leaving"]);
  const store = new MetricsStore(15_000);
  let reachable = ["ok", "broken", "leaving"];
  const scraper = new MetricsScraper({ connector, nodes: () => reachable, store });
  await scraper.scrapeOnce();
  await scraper.scrapeOnce();
  expect(["ok", "broken", "leaving"].map((n) => !!store.node(n))).toEqual([true, true, true]);
  answers.set("broken", () => new Response("<html>", { status: 500 }));
  reachable = ["ok", "broken"];
  await scraper.scrapeOnce();
  expect(["ok", "broken", "leaving"].map((n) => !!store.node(n))).toEqual([true, false, false]);
  expect(store.pod("default", "on-leaving")).toBeUndefined();
  answers.set("broken", () => new Response("not prometheus {"));
  await scraper.scrapeOnce();
  expect(store.node("broken")).toBeUndefined();
});

test("start() scrapes at once and stops with its signal", async () => {
  const { connector, asked } = agents(["a"]);
  const stop = new AbortController();
  new MetricsScraper({ connector, nodes: () => ["a"], store: new MetricsStore(60_000), resolutionMs: 60_000 }).start(stop.signal);
  while (asked.length === 0) await Bun.sleep(1);
  stop.abort();
  expect(asked).toEqual(["a /metrics/resource"]);
});
