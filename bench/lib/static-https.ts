/**
 * The floor a response of a given size has on this box: a separate process that does nothing
 * but send the same bytes over HTTPS (Bun.serve, its native TLS server), with the same
 * certificate, to the same client. Whatever a real server does on top, it cannot answer faster
 * than this on the same cores; a goal below it is a goal for another machine.
 *
 *   const floor = await startStaticHttps(bytes, { cert, key }); … floor.stop()
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface StaticHttps {
  port: number;
  pid: number;
  stop(): Promise<void>;
}

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

export async function startStaticHttps(body: Uint8Array, tls: { cert: string; key: string }): Promise<StaticHttps> {
  const dir = mkdtempSync(join(tmpdir(), "k3rs-bench-static-"));
  const files = { STATIC_BODY: join(dir, "body"), STATIC_CERT: join(dir, "cert.pem"), STATIC_KEY: join(dir, "key.pem"), script: join(dir, "serve.ts") };
  writeFileSync(files.STATIC_BODY, body);
  writeFileSync(files.STATIC_CERT, tls.cert);
  writeFileSync(files.STATIC_KEY, tls.key, { mode: 0o600 });
  writeFileSync(files.script, CHILD);
  const proc = Bun.spawn([process.execPath, files.script], { stdout: "pipe", stderr: "inherit", env: { ...process.env, ...files } });
  const reader = (proc.stdout as ReadableStream<Uint8Array>).getReader();
  let out = "";
  while (!/port (\d+)\n/.test(out)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`the static HTTPS server exited: ${out}`);
    out += new TextDecoder().decode(value);
  }
  reader.releaseLock();
  return {
    port: Number(/port (\d+)\n/.exec(out)![1]),
    pid: proc.pid,
    async stop() {
      proc.kill();
      await proc.exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
