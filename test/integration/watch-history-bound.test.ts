/**
 * Hostile input: one client rewriting a 1 MB ConfigMap must not grow the server by 1 MB per
 * write. The watch history is bounded by size as well as by count (store/watch-hub.ts): the
 * oldest changes go, a watch from before them gets 410 Expired as after a compaction, and a
 * watch from inside the window still gets every change since.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { heapStats } from "bun:jsc";
import { startTestApi, type TestApi } from "../helpers/api-harness.ts";
import { DEFAULT_HISTORY_BYTES } from "../../src/store/sqlite.ts";

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(async () => {
  await api?.close();
});

const MB = 1024 * 1024;
const UPDATES = 150;

/** The first line of a watch from `rv`, and how many lines arrive within `count`. */
async function watchFrom(rv: string, count: number): Promise<any[]> {
  const ac = new AbortController();
  const res = await api.request("GET", `/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=${rv}&fieldSelector=metadata.name%3Dbig`, undefined, { signal: ac.signal });
  expect(res.status).toBe(200);
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = "";
  const lines: any[] = [];
  while (lines.length < count) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
    let nl: number;
    while ((nl = text.indexOf("\n")) >= 0 && lines.length < count) {
      lines.push(JSON.parse(text.slice(0, nl)));
      text = text.slice(nl + 1);
    }
  }
  ac.abort();
  return lines;
}

test(`${UPDATES} rewrites of a 1 MB ConfigMap: history stays within its bound, and memory with it`, async () => {
  const body = (i: number) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "big" }, data: { a: String(i % 10).repeat(1_000_000) } });
  const created = await api.json("POST", "/api/v1/namespaces/default/configmaps", body(0));
  expect(created.status).toBe(201);
  const first = created.body.metadata.resourceVersion as string;
  Bun.gc(true);
  const heapBefore = heapStats().heapSize;

  const versions: string[] = [];
  for (let i = 1; i <= UPDATES; i++) {
    const r = await api.json("PUT", "/api/v1/namespaces/default/configmaps/big", body(i));
    expect(r.status).toBe(200);
    versions.push(r.body.metadata.resourceVersion);
  }
  const stats = api.store.stats();
  expect(stats.historyBytes!).toBeLessThanOrEqual(DEFAULT_HISTORY_BYTES);
  expect(stats.historyEvents!).toBeLessThan(UPDATES);
  // Every update's value is a new 1 MB string: kept, 150 of them would be 150 MB.
  Bun.gc(true);
  expect(heapStats().heapSize - heapBefore).toBeLessThan(DEFAULT_HISTORY_BYTES + 32 * MB);

  const [expired] = await watchFrom(first, 1);
  expect(expired.type).toBe("ERROR");
  expect([expired.object.code, expired.object.reason]).toEqual([410, "Expired"]);

  const recent = await watchFrom(versions[UPDATES - 6]!, 5);
  expect(recent.map((e) => [e.type, e.object.metadata.resourceVersion])).toEqual(versions.slice(UPDATES - 5).map((v) => ["MODIFIED", v]));
});
