/**
 * The floor for watch delivery on this box: a separate process that does nothing but hold
 * streaming HTTPS responses (Bun.serve, its native TLS server) and, for each POST, send one
 * ~1 KB line carrying a new revision to every one of them — no store, no encoding, no filter.
 * Same certificate and client as the server measured beside it; whatever a real server does on
 * top, its deliveries cannot be faster than these on the same cores.
 *
 *   GET  /watch → 200, chunked, one line per write
 *   POST /write → {"metadata":{"resourceVersion":"N"}} once line N was handed to every stream
 */
import { startChildServer, type ChildServer } from "./child-server.ts";

export type StaticFanout = ChildServer;

const CHILD = `
const payload = "x".repeat(900);
const streams = new Set();
let revision = 0;
const server = Bun.serve({
  port: 0,
  hostname: "127.0.0.1",
  idleTimeout: 0,
  tls: { cert: await Bun.file(process.env.FANOUT_CERT).text(), key: await Bun.file(process.env.FANOUT_KEY).text() },
  async fetch(req) {
    const path = new URL(req.url).pathname;
    if (path === "/watch") {
      let me;
      const body = new ReadableStream({
        start(controller) { me = controller; streams.add(controller); },
        cancel() { streams.delete(me); },
      }, { highWaterMark: 0 });
      return new Response(body, { headers: { "content-type": "application/json" } });
    }
    if (path === "/write") {
      if (req.body) await req.arrayBuffer();
      const rv = String(++revision);
      const line = new TextEncoder().encode(JSON.stringify({ type: "ADDED", object: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "ev-" + rv, namespace: "watched", resourceVersion: rv }, data: { payload } } }) + "\\n");
      for (const s of streams) {
        try { s.enqueue(line); } catch { streams.delete(s); }
      }
      return Response.json({ metadata: { resourceVersion: rv } }, { status: 201 });
    }
    return new Response("not found", { status: 404 });
  },
});
console.log("port " + server.port);
`;

export function startStaticFanout(tls: { cert: string; key: string }): Promise<StaticFanout> {
  return startChildServer(CHILD, { FANOUT_CERT: tls.cert, FANOUT_KEY: tls.key });
}
