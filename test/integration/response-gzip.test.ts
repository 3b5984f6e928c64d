/**
 * Lists and gets over 128 KiB are gzipped for clients that accept it, as kube-apiserver does
 * (client-go asks by itself): the same JSON, a fraction of the bytes; small ones and clients
 * that do not ask get plain JSON; the audit log still records the response object.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startTestApi, type TestApi } from "../helpers/api-harness.ts";
import { parseAuditPolicy } from "../../src/api/audit/audit-policy.ts";

let api: TestApi;
let dir: string;
const BASE = "/api/v1/namespaces/zipped/configmaps";
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "k3rs-gzip-"));
  const policy = parseAuditPolicy("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: RequestResponse\n  namespaces: ['zipped']\n");
  api = await startTestApi({ audit: { path: join(dir, "audit.log"), policy } });
  expect((await api.json("POST", "/api/v1/namespaces", { metadata: { name: "zipped" } })).status).toBe(201);
  for (let i = 0; i < 600; i++) {
    // One value in characters that take 2 to 4 bytes each: the list's length is counted in bytes.
    const v = i === 7 ? "ü€😀-".repeat(100) : `${i}-`.repeat(200);
    const r = await api.json("POST", BASE, { metadata: { name: `cm-${String(i).padStart(3, "0")}` }, data: { v } });
    expect(r.status).toBe(201);
  }
});
afterAll(async () => {
  await api?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function fetchBoth(path: string, headers: Record<string, string> = {}) {
  const zipped = await api.request("GET", path, undefined, { headers: { ...headers, "accept-encoding": "gzip, deflate" } });
  const plain = await api.request("GET", path, undefined, { headers });
  expect([zipped.status, plain.status]).toEqual([200, 200]);
  const bytes = new Uint8Array(await zipped.arrayBuffer());
  return { zipped, bytes, plainText: await plain.text(), plain };
}

test("a large list, streamed, is one gzip stream of the same JSON", async () => {
  const { zipped, bytes, plainText, plain } = await fetchBoth(BASE);
  expect(plainText.length).toBeGreaterThan(256 * 1024);
  expect([zipped.headers.get("content-encoding"), zipped.headers.get("vary"), plain.headers.get("content-encoding")]).toEqual(["gzip", "Accept-Encoding", null]);
  expect(bytes.byteLength).toBeLessThan(plainText.length / 5);
  const list = JSON.parse(Buffer.from(Bun.gunzipSync(bytes)).toString());
  expect(list.items).toHaveLength(600);
  expect(list).toEqual(JSON.parse(plainText));
  // Streamed plain, it says its length in bytes (so it goes out unframed); gzipped, it cannot.
  expect(plain.headers.get("content-length")).toBe(String(Buffer.byteLength(plainText)));
  expect(zipped.headers.get("content-length")).toBeNull();
  expect(list.items[7].data.v).toBe("ü€😀-".repeat(100));
});

test("a list between 128 and 256 KiB (one string) and kubectl's Table are gzipped too; a small page is not", async () => {
  const page = await fetchBoth(`${BASE}?limit=200`);
  expect(page.plainText.length).toBeGreaterThan(128 * 1024);
  expect(page.zipped.headers.get("content-encoding")).toBe("gzip");
  expect(JSON.parse(Buffer.from(Bun.gunzipSync(page.bytes)).toString())).toEqual(JSON.parse(page.plainText));

  const table = await fetchBoth(BASE, { accept: "application/json;as=Table;v=v1;g=meta.k8s.io" });
  expect(table.zipped.headers.get("content-encoding")).toBe("gzip");
  const rows = JSON.parse(Buffer.from(Bun.gunzipSync(table.bytes)).toString());
  expect([rows.kind, rows.rows.length]).toEqual(["Table", 600]);

  const small = await fetchBoth(`${BASE}?limit=5`);
  expect(small.zipped.headers.get("content-encoding")).toBeNull();
  expect(Buffer.from(small.bytes).toString()).toBe(small.plainText);
});

test("a large object's GET is gzipped; the audit log still has the object", async () => {
  expect((await api.json("POST", BASE, { metadata: { name: "big" }, data: { v: "b".repeat(300_000) } })).status).toBe(201);
  const { zipped, bytes } = await fetchBoth(`${BASE}/big`);
  expect(zipped.headers.get("content-encoding")).toBe("gzip");
  expect(JSON.parse(Buffer.from(Bun.gunzipSync(bytes)).toString()).data.v).toHaveLength(300_000);
  await Bun.sleep(50);
  const events = readFileSync(join(dir, "audit.log"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
  const got = events.filter((e) => e.stage === "ResponseComplete" && e.verb === "get" && e.objectRef?.name === "big");
  expect(got.length).toBe(2);
  for (const e of got) expect(e.responseObject.data.v).toHaveLength(300_000);
});
