/**
 * Watches over the real HTTPS transport, read byte by byte: the events a watch pushes onto the
 * socket itself (http/push-body.ts) must be well-formed chunked coding that ends with the last
 * chunk, and leave the keep-alive connection usable for the next request.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import tls from "node:tls";
import YAML from "yaml";
import type { ServerHandle } from "../../src/server/run.ts";
import { startHttpsTestServer } from "../helpers/https-server.ts";

let dataDir: string;
let server: ServerHandle;
let id: { ca: string; cert: string; key: string };
const NS = "watch-https";

const fetchTls = (path: string, init: RequestInit = {}) => fetch(`https://127.0.0.1:${server.port}${path}`, { ...init, tls: id } as RequestInit);

async function createConfigMap(name: string): Promise<string> {
  const r = await fetchTls(`/api/v1/namespaces/${NS}/configmaps`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name }, data: { k: name } }) });
  expect(r.status).toBe(201);
  return ((await r.json()) as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
}

/** One connection; `next()` resolves with the next whole response (head and decoded chunked body). */
function connection() {
  let buf = Buffer.alloc(0);
  let wake: (() => void) | undefined;
  const socket = tls.connect({ host: "127.0.0.1", port: server.port, ...id, servername: "localhost" });
  socket.on("data", (d: Buffer) => {
    buf = Buffer.concat([buf, d]);
    wake?.();
  });
  const more = () => new Promise<void>((r) => (wake = r));
  async function take(n: number): Promise<Buffer> {
    while (buf.length < n) await more();
    const out = buf.subarray(0, n);
    buf = buf.subarray(n);
    return out;
  }
  async function lineEnd(): Promise<string> {
    for (;;) {
      const at = buf.indexOf("\r\n");
      if (at >= 0) return (await take(at + 2)).subarray(0, at).toString();
      await more();
    }
  }
  return {
    send: (req: string) => socket.write(req),
    async next(): Promise<{ status: number; headers: string[]; chunks: string[] }> {
      const status = Number((await lineEnd()).split(" ")[1]);
      const headers: string[] = [];
      for (let h = await lineEnd(); h !== ""; h = await lineEnd()) headers.push(h.toLowerCase());
      const chunks: string[] = [];
      const length = headers.find((h) => h.startsWith("content-length:"));
      if (length) return { status, headers, chunks: [(await take(Number(length.split(":")[1]))).toString()] };
      for (;;) {
        const size = parseInt(await lineEnd(), 16);
        if (size === 0) {
          expect(await lineEnd()).toBe("");
          return { status, headers, chunks };
        }
        chunks.push((await take(size)).toString());
        expect(await lineEnd()).toBe("");
      }
    },
    close: () => socket.destroy(),
  };
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "k3rs-watch-https-"));
  server = await startHttpsTestServer(dataDir, "watch-https");
  const kc = YAML.parse(readFileSync(server.kubeconfigPath, "utf8"));
  const b = (s: string) => Buffer.from(s, "base64").toString("utf8");
  id = { ca: b(kc.clusters[0].cluster["certificate-authority-data"]), cert: b(kc.users[0].user["client-certificate-data"]), key: b(kc.users[0].user["client-key-data"]) };
  const r = await fetchTls("/api/v1/namespaces", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ apiVersion: "v1", kind: "Namespace", metadata: { name: NS } }) });
  expect(r.status).toBe(201);
});

afterAll(async () => {
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("watch over HTTPS", () => {
  test("initial state and changes arrive as whole chunks, one event each, the stream ends with the last chunk and the connection serves the next request", async () => {
    await createConfigMap("before");
    const c = connection();
    try {
      c.send(`GET /api/v1/namespaces/${NS}/configmaps?watch=1&timeoutSeconds=2 HTTP/1.1\r\nHost: localhost\r\n\r\n`);
      const pending = c.next();
      await Bun.sleep(300);
      const rv1 = await createConfigMap("a");
      const rv2 = await createConfigMap("b");
      const watch = await pending;
      expect(watch.status).toBe(200);
      expect(watch.headers).toContain("transfer-encoding: chunked");
      const events = watch.chunks.map((ch) => {
        expect(ch.endsWith("\n")).toBe(true);
        return JSON.parse(ch) as { type: string; object: { metadata: { name: string; resourceVersion: string } } };
      });
      // Every namespace also holds kube-root-ca.crt, published by a controller at its own time.
      const ours = events.filter((e) => e.object.metadata.name !== "kube-root-ca.crt");
      expect(ours.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(["ADDED before", "ADDED a", "ADDED b"]);
      expect(ours.slice(1).map((e) => e.object.metadata.resourceVersion)).toEqual([rv1, rv2]);

      c.send(`GET /api/v1/namespaces/${NS}/configmaps/a HTTP/1.1\r\nHost: localhost\r\n\r\n`);
      const next = await c.next();
      expect(next.status).toBe(200);
      expect(JSON.parse(next.chunks.join("")).metadata.name).toBe("a");
    } finally {
      c.close();
    }
  });
});
