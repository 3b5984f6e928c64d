/**
 * Backends and clients inside a test's network namespace, driven over line RPC: TCP servers
 * answering their id, UDP echo servers, a stream server, and the client side of each check
 * (a request, a held connection, a slow 64 MiB download, UDP asks, a port squatter).
 */
import type { Socket, TCPSocketListener } from "bun";
import { createHash } from "node:crypto";
import { askOnce, idServer, lineClient, udpAsk, udpEcho } from "../../src/net/proxy/testing/net.ts";
import { serveRpc } from "./line-rpc.ts";

const handles = new Map<number, { close(): void; ask?: () => Promise<string> }>();
const idServers = new Map<string, ReturnType<typeof idServer>>();
let nextHandle = 1;
const keep = (h: { close(): void; ask?: () => Promise<string> }) => {
  const id = nextHandle++;
  handles.set(id, h);
  return id;
};

/** Deterministic bytes: a 64 KiB random block stamped with its block number, repeated. */
function streamData(size: number): Uint8Array {
  const data = new Uint8Array(size);
  crypto.getRandomValues(data.subarray(0, Math.min(size, 65536)));
  for (let i = 65536; i < size; i += 65536) data.copyWithin(i, 0, Math.min(65536, size - i));
  const v = new DataView(data.buffer);
  for (let i = 0; i + 4 <= size; i += 65536) v.setUint32(i, i / 65536);
  return data;
}

await serveRpc({
  tcpIdServer: ({ ip, id }) => {
    const s = idServer(ip, id);
    idServers.set(id, s);
    keep({ close: () => s.stop(true) });
    return { port: s.port };
  },
  stopIdServer: ({ id }) => idServers.get(id)?.stop(true),
  conns: () => Object.fromEntries([...idServers].map(([id, s]) => [id, s.conns])),
  udpEcho: async ({ ip, id, delayMs }) => {
    const s = await udpEcho(ip, id, delayMs ?? 0);
    keep({ close: () => s.close() });
    return { port: s.port };
  },
  streamServer: ({ ip, size }) => {
    const data = streamData(size);
    const sha = createHash("sha256").update(data).digest("hex");
    const pump = (s: Socket<{ off: number }>) => {
      while (s.data.off < size) {
        const n = s.write(data.subarray(s.data.off, Math.min(size, s.data.off + (1 << 20))));
        if (n <= 0) return;
        s.data.off += n;
      }
      s.end();
    };
    const l: TCPSocketListener<{ off: number }> = Bun.listen<{ off: number }>({
      hostname: ip,
      port: 0,
      socket: {
        open(s) {
          s.data = { off: 0 };
          pump(s);
        },
        drain: pump,
        data() {},
      },
    });
    keep({ close: () => l.stop(true) });
    return { port: l.port, sha };
  },
  ask: async ({ ip, port }) => askOnce(ip, port),
  hold: async ({ ip, port }) => {
    const c = await lineClient(ip, port);
    const reply = await c.ask();
    return { handle: keep({ close: c.close, ask: c.ask }), reply };
  },
  askHeld: ({ handle }) => handles.get(handle)!.ask!(),
  close: ({ handle }) => {
    handles.get(handle)?.close();
    handles.delete(handle);
  },
  /** Reads `pauseMs` nothing after every `every` bytes, so the proxy's writes back up. */
  slowDownload: ({ ip, port, every, pauseMs }) =>
    new Promise((resolve, reject) => {
      const hash = createHash("sha256");
      let bytes = 0;
      let mark = every;
      Bun.connect({
        hostname: ip,
        port,
        socket: {
          data(s, d) {
            hash.update(d);
            bytes += d.length;
            if (bytes >= mark) {
              mark += every;
              s.pause();
              setTimeout(() => s.resume(), pauseMs);
            }
          },
          close: () => resolve({ bytes, sha: hash.digest("hex") }),
          connectError: (_s, e) => reject(e),
        },
      }).catch(reject);
    }),
  /** A full-speed download: bytes and milliseconds. */
  download: ({ ip, port }) =>
    new Promise((resolve, reject) => {
      let bytes = 0;
      const t0 = performance.now();
      Bun.connect({
        hostname: ip,
        port,
        socket: {
          data(_s, d) {
            bytes += d.length;
          },
          close: () => resolve({ bytes, ms: performance.now() - t0 }),
          connectError: (_s, e) => reject(e),
        },
      }).catch(reject);
    }),
  /** An HTTP server answering "ok" (a benchmark backend). */
  httpServer: ({ ip, port }) => {
    const s = Bun.serve({ hostname: ip, port, fetch: () => new Response("ok\n") });
    keep({ close: () => s.stop(true) });
    return { port: s.port };
  },
  udpAsk: ({ ip, port, msg }) => udpAsk(ip, port, msg),
  /** Clients that send and close their port at once, before the (delayed) reply. */
  udpGone: async ({ ip, port, n }) => {
    for (let i = 0; i < n; i++) {
      const s = await Bun.udpSocket({});
      s.send(`gone${i}`, port, ip);
      s.close();
    }
  },
  squat: ({ ip, port }) => {
    const l = Bun.listen({ hostname: ip, port, socket: { data() {} } });
    return { handle: keep({ close: () => l.stop(true) }) };
  },
  /** A connect that must fail; returns its error code. */
  connectError: async ({ ip, port }) => {
    try {
      const s = await Bun.connect({ hostname: ip, port, socket: { data() {} } });
      s.end();
      return "connected";
    } catch (e) {
      return (e as { code?: string }).code ?? String(e);
    }
  },
});
for (const h of handles.values()) h.close();
process.exit(0);
