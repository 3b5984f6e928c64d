/**
 * The floor a response of a given size has on this box: a separate process that does nothing
 * but send the same bytes over HTTPS (Bun.serve, its native TLS server), with the same
 * certificate, to the same client. Whatever a real server does on top, it cannot answer faster
 * than this on the same cores; a goal below it is a goal for another machine.
 *
 *   const floor = await startStaticHttps(bytes, { cert, key }); … floor.stop()
 */
import { startChildServer, type ChildServer } from "./child-server.ts";

export type StaticHttps = ChildServer;

const CHILD = `
const body = await Bun.file(process.env.STATIC_BODY).bytes();
const server = Bun.serve({
  port: 0,
  hostname: "127.0.0.1",
  tls: { cert: await Bun.file(process.env.STATIC_CERT).text(), key: await Bun.file(process.env.STATIC_KEY).text() },
  // A request's body is read, as any server must, then the same bytes are the answer.
  fetch: async (req) => {
    if (req.body) await req.arrayBuffer();
    return new Response(body, { status: req.method === "POST" ? 201 : 200, headers: { "content-type": "application/json" } });
  },
});
console.log("port " + server.port);
`;

export function startStaticHttps(body: Uint8Array, tls: { cert: string; key: string }): Promise<StaticHttps> {
  return startChildServer(CHILD, { STATIC_BODY: body, STATIC_CERT: tls.cert, STATIC_KEY: tls.key });
}
