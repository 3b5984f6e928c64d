/**
 * Durability: kill -9 the server in the middle of a write load, restart it on the same data
 * dir; every write that got a 2xx is there and the revision never goes backwards.
 */
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import YAML from "yaml";
import { freePort, startE2EServer } from "../helpers/e2e-server.ts";

const dataDir = mkdtempSync(join(tmpdir(), "k3rs-crash-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

function clientTls(kubeconfigPath: string) {
  const kc = YAML.parse(readFileSync(kubeconfigPath, "utf8"));
  const b = (s: string) => Buffer.from(s, "base64").toString("utf8");
  return { ca: b(kc.clusters[0].cluster["certificate-authority-data"]), cert: b(kc.users[0].user["client-certificate-data"]), key: b(kc.users[0].user["client-key-data"]) };
}

test("kill -9 under write load loses nothing acknowledged", async () => {
  const port = await freePort();
  let server = await startE2EServer({ dataDir, port });
  const tls = clientTls(server.kubeconfig);
  const base = `https://127.0.0.1:${port}/api/v1/namespaces/default/configmaps`;
  const acked = new Map<string, number>(); // name → resourceVersion
  let stop = false;
  let n = 0;
  const writer = async () => {
    while (!stop) {
      const name = `crash-${n++}`;
      try {
        const r = await fetch(base, { method: "POST", body: JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name }, data: { v: "x".repeat(512) } }), headers: { "content-type": "application/json" }, tls } as any);
        if (r.status === 201) acked.set(name, Number(((await r.json()) as any).metadata.resourceVersion));
      } catch {
        // the connection died with the server: this write was not acknowledged
      }
    }
  };
  const writers = Array.from({ length: 16 }, writer);
  await Bun.sleep(1500);
  server.kill9();
  stop = true;
  await Promise.all(writers);
  await server.proc.exited;
  expect(acked.size).toBeGreaterThan(50);
  const highest = Math.max(...acked.values());

  server = await startE2EServer({ dataDir, port });
  try {
    const list = (await (await fetch(base, { tls } as any)).json()) as any;
    const present = new Map<string, number>(list.items.map((i: any) => [i.metadata.name, Number(i.metadata.resourceVersion)]));
    const missing = [...acked.keys()].filter((k) => !present.has(k));
    expect(missing).toEqual([]);
    for (const [name, rv] of acked) expect(present.get(name)).toBe(rv);
    expect(Number(list.metadata.resourceVersion)).toBeGreaterThanOrEqual(highest);
    // New writes continue above every revision handed out before the crash.
    const r = await fetch(base, { method: "POST", body: JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "after" } }), headers: { "content-type": "application/json" }, tls } as any);
    expect(r.status).toBe(201);
    expect(Number(((await r.json()) as any).metadata.resourceVersion)).toBeGreaterThan(highest);
  } finally {
    await server.stop();
  }
});
