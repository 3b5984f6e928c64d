import { afterEach, describe, expect, test } from "bun:test";
import http from "node:http";
import { randomBytes } from "node:crypto";
import { WebSocketServer } from "ws";
import { TunnelSession } from "./session.ts";
import { TunnelStream } from "./stream.ts";
import { webSocketTransport, type WebSocketLike } from "./transport.ts";
import { INITIAL_WINDOW } from "./protocol.ts";

/** A real WebSocket pair on loopback: ws (as the server uses it) ⇄ Bun's client WebSocket. */
async function wsPair(): Promise<{ server: WebSocketLike; client: WebSocketLike; close(): void }> {
  const httpServer = http.createServer();
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  const serverSide = new Promise<WebSocketLike>((resolve) => {
    httpServer.on("upgrade", (req, socket, head) => wss.handleUpgrade(req, socket, head, (ws) => resolve(ws as unknown as WebSocketLike)));
  });
  await new Promise<void>((r) => httpServer.listen(0, "127.0.0.1", () => r()));
  const port = (httpServer.address() as any).port;
  const client = new WebSocket(`ws://127.0.0.1:${port}/`) as unknown as WebSocketLike;
  await new Promise<void>((resolve, reject) => {
    client.addEventListener("open", () => resolve());
    client.addEventListener("error", (e) => reject(e));
  });
  const server = await serverSide;
  return {
    server,
    client,
    close() {
      wss.close();
      httpServer.close();
      (httpServer as any).closeAllConnections?.();
    },
  };
}

/** Reads to EOF (not with `for await`, which destroys the whole Duplex when reading ends). */
function readAll(s: TunnelStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    s.on("data", (c: Buffer) => chunks.push(c));
    s.on("end", () => resolve(Buffer.concat(chunks)));
    s.on("error", reject);
  });
}

function writeAll(s: TunnelStream, data: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    s.write(data, (e) => (e ? reject(e) : resolve()));
    s.end();
  });
}

const cleanups: Array<() => void> = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

/** A server session and an agent session over one real WebSocket; the agent runs `accept`. */
async function sessions(accept?: (s: TunnelStream) => void) {
  const pair = await wsPair();
  const server = new TunnelSession(webSocketTransport(pair.server), { side: "server" });
  // Errors on the agent's streams are the test's subject on the server's side, not here.
  const quiet = accept && ((st: TunnelStream) => (st.on("error", () => {}), accept(st)));
  const agent = new TunnelSession(webSocketTransport(pair.client), { side: "agent", accept: quiet });
  cleanups.push(() => {
    server.close("test over");
    agent.close("test over");
    pair.close();
  });
  return { server, agent };
}

const echo = (s: TunnelStream) => s.pipe(s);

describe("tunnel session over a real WebSocket", () => {
  test("many concurrent streams, each larger than the window, come back intact", async () => {
    const { server, agent } = await sessions(echo);
    const payloads = Array.from({ length: 40 }, (_, i) => randomBytes(INITIAL_WINDOW * 2 + i * 1000));
    const results = await Promise.all(
      payloads.map(async (p) => {
        const s = server.open("echo");
        const [back] = await Promise.all([readAll(s), writeAll(s, p)]);
        return back;
      }),
    );
    results.forEach((r, i) => expect(r.equals(payloads[i]!)).toBe(true));
    // Every stream ended both ways and was released on both sides.
    await until(() => server.size === 0 && agent.size === 0);
  });

  test("half-close: the server ends its side, still reads the agent's answer", async () => {
    const { server } = await sessions((s) => {
      void readAll(s).then((got) => s.end(`got ${got.toString()}`));
    });
    const s = server.open("x");
    s.end("ping");
    expect((await readAll(s)).toString()).toBe("got ping");
  });

  test("an error on one side reaches the other as ECONNRESET with its message", async () => {
    const { server } = await sessions((s) => s.destroy(new Error("container is gone")));
    const s = server.open("x");
    const err = await new Promise<any>((resolve) => s.on("error", resolve));
    expect(err.message).toBe("container is gone");
    expect(err.code).toBe("ECONNRESET");
  });

  test("a clean destroy after writing: the peer reads the data, then EOF", async () => {
    const { server } = await sessions((s) => s.write("last words", () => s.destroy()));
    const s = server.open("x");
    expect((await readAll(s)).toString()).toBe("last words");
  });

  test("a reader that does not read holds the writer at one window", async () => {
    let agentSide: TunnelStream | undefined;
    const { server } = await sessions((s) => (agentSide = s));
    const s = server.open("x");
    s.on("error", () => {});
    s.pause();
    s.write("hello"); // opens the stream on the agent
    await until(() => agentSide);
    let written = false;
    agentSide!.write(Buffer.alloc(INITIAL_WINDOW * 4, 7), () => (written = true));
    await until(() => s.readableLength >= INITIAL_WINDOW);
    await Bun.sleep(50);
    expect(s.readableLength).toBe(INITIAL_WINDOW);
    expect(written).toBe(false);
    s.resume();
    let total = 0;
    s.on("data", (c: Buffer) => (total += c.length));
    await until(() => written && total === INITIAL_WINDOW * 4);
  });

  test("losing the connection fails every open stream with the reason", async () => {
    const { server, agent } = await sessions(() => {});
    const streams = [server.open("a"), server.open("b")];
    const errs = streams.map((s) => new Promise<Error>((resolve) => s.on("error", resolve)));
    streams.forEach((s) => s.write("x"));
    await until(() => agent.size === 2);
    agent.close("agent stopping");
    for (const e of await Promise.all(errs)) expect(e.message).toContain("tunnel closed");
    expect(await server.done).toContain("agent stopping");
  });

  test("a side that accepts no streams refuses an OPEN with a message", async () => {
    const { agent } = await sessions(echo);
    // The server's session was made without `accept`: the agent opening a stream is refused.
    const s = agent.open("anything");
    const err = await new Promise<Error>((resolve) => s.on("error", resolve));
    expect(err.message).toContain("accepts no streams");
  });

  test("a silent peer is given up after idleMs", async () => {
    const pair = await wsPair();
    cleanups.push(() => pair.close());
    // The agent's frames never reach this session: it hears nothing and gives up.
    const silent = { ...webSocketTransport(pair.client), listen() {} };
    const server = new TunnelSession(silent, { side: "server", pingMs: 20, idleMs: 60 });
    expect(await server.done).toContain("no word from the peer");
  });
});

async function until<T>(fn: () => T | undefined | false, what = "condition"): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(5);
  }
}
