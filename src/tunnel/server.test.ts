import { afterEach, describe, expect, test } from "bun:test";
import http from "node:http";
import { AgentDialer, nodeOfPeer } from "./server.ts";
import { TunnelClient } from "./agent.ts";
import { StatusError } from "../model/errors.ts";
import type { PeerInfo } from "../http/identity.ts";
import type { TunnelStream } from "./stream.ts";
import type { WebSocketLike } from "./transport.ts";

const NODE = (name: string): PeerInfo => ({ authorized: true, subject: { CN: `system:node:${name}`, O: "system:nodes" } });

describe("who may open a tunnel", () => {
  test.each([
    [NODE("n1"), "n1"],
    [{ authorized: true, subject: { CN: "system:node:n2", O: ["system:nodes", "x"] } }, "n2"],
  ])("a node certificate names its node", (peer, name) => {
    expect(nodeOfPeer(peer as PeerInfo)).toBe(name);
  });

  test.each([
    [{ authorized: false, subject: { CN: "system:node:n1", O: "system:nodes" } }, 401],
    [{ authorized: true }, 401],
    [{ authorized: true, subject: { CN: "system:admin", O: "system:masters" } }, 403],
    [{ authorized: true, subject: { CN: "system:node:n1" } }, 403],
    [{ authorized: true, subject: { CN: "system:node:", O: "system:nodes" } }, 403],
  ])("anything else is refused", (peer, code) => {
    const r = nodeOfPeer(peer as PeerInfo);
    expect(r).toBeInstanceOf(StatusError);
    expect((r as StatusError).code).toBe(code);
  });
});

/** A plain-HTTP server whose upgrades go to the dialer with the peer a test chooses. */
async function tunnelServer(peerOf: (req: http.IncomingMessage) => PeerInfo) {
  const dialer = new AgentDialer();
  const server = http.createServer((_req, res) => res.writeHead(404).end());
  const upgraded = new Set<import("node:stream").Duplex>();
  server.on("upgrade", (req, socket, head) => {
    upgraded.add(socket);
    if (!dialer.handleUpgrade(req, socket, head, peerOf(req))) socket.destroy();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const url = `http://127.0.0.1:${(server.address() as any).port}`;
  return {
    dialer,
    url,
    /** Cuts the TCP connections under the tunnels, as a network failure would. */
    dropConnections: () => {
      for (const s of upgraded) s.destroy();
      upgraded.clear();
    },
    close() {
      dialer.close();
      server.close();
      (server as any).closeAllConnections();
    },
  };
}

/** An agent: a tunnel client whose streams go to an HTTP server that never listens. */
function agent(url: string, name: string, handler: http.RequestListener, signal: AbortSignal) {
  const api = http.createServer(handler);
  return new TunnelClient({
    server: url,
    tls: { cert: "", key: "" },
    nodeName: name,
    signal,
    backoff: { initialMs: 10, maxMs: 50 },
    // The test server reads the node from this header instead of a certificate.
    connect: (u) => new WebSocket(u, { headers: { "x-node": name } } as any) as unknown as WebSocketLike,
    serve: (s: TunnelStream) => api.emit("connection", s),
  }).start();
}

const cleanups: Array<() => void> = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

async function setup() {
  const srv = await tunnelServer((req) => NODE(String(req.headers["x-node"])));
  const stop = new AbortController();
  cleanups.push(() => {
    stop.abort();
    srv.close();
  });
  return { srv, stop };
}

describe("agent tunnel end to end (loopback WebSocket)", () => {
  test("the server fetches from the node's API through the tunnel", async () => {
    const { srv, stop } = await setup();
    const client = agent(srv.url, "n1", (req, res) => res.end(`hello from n1: ${req.method} ${req.url}`), stop.signal);
    await client.waitConnected();
    expect(srv.dialer.connected("n1")).toBe(true);
    const res = await srv.dialer.fetch("n1", "/containerLogs/ns/p/c?follow=true");
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("hello from n1: GET /containerLogs/ns/p/c?follow=true");
  });

  test("a streamed body arrives as it is written; cancelling it ends the agent's response", async () => {
    const { srv, stop } = await setup();
    let closedOnAgent!: () => void;
    const agentSawClose = new Promise<void>((r) => (closedOnAgent = r));
    const client = agent(srv.url, "n1", (_req, res) => {
      res.writeHead(200, { "content-type": "text/plain" });
      let i = 0;
      const t = setInterval(() => res.write(`line ${i++}\n`), 5);
      res.on("close", () => {
        clearInterval(t);
        closedOnAgent();
      });
    }, stop.signal);
    await client.waitConnected();
    const res = await srv.dialer.fetch("n1", "/stream");
    const reader = res.body!.getReader();
    let text = "";
    while (!text.includes("line 3\n")) text += new TextDecoder().decode((await reader.read()).value);
    expect(text.startsWith("line 0\nline 1\n")).toBe(true);
    await reader.cancel();
    await agentSawClose;
  });

  test("many requests at once share the one connection", async () => {
    const { srv, stop } = await setup();
    const client = agent(srv.url, "n1", (req, res) => res.end(req.url!.slice(1).repeat(1000)), stop.signal);
    await client.waitConnected();
    const bodies = await Promise.all(Array.from({ length: 50 }, (_, i) => srv.dialer.fetch("n1", `/${i}`).then((r) => r.text())));
    bodies.forEach((b, i) => expect(b).toBe(String(i).repeat(1000)));
  });

  test("a node without a tunnel is a 503 with a clear message", async () => {
    const { srv } = await setup();
    expect(() => srv.dialer.dial("nowhere")).toThrow(/node "nowhere" has no tunnel/);
    try {
      await srv.dialer.fetch("nowhere", "/");
    } catch (e) {
      expect((e as StatusError).code).toBe(503);
    }
  });

  test("the agent reconnects after the connection drops", async () => {
    const { srv, stop } = await setup();
    const client = agent(srv.url, "n1", (_req, res) => res.end("back"), stop.signal);
    await client.waitConnected();
    srv.dropConnections();
    await until(() => !srv.dialer.connected("n1"));
    await client.waitConnected();
    await until(() => srv.dialer.connected("n1"));
    expect(await (await srv.dialer.fetch("n1", "/")).text()).toBe("back");
  });

  test("a second connection for the same node replaces the first", async () => {
    const { srv, stop } = await setup();
    const first = new AbortController();
    cleanups.push(() => first.abort());
    const a = agent(srv.url, "n1", (_req, res) => res.end("first"), first.signal);
    await a.waitConnected();
    const b = agent(srv.url, "n1", (_req, res) => res.end("second"), stop.signal);
    await b.waitConnected();
    first.abort(); // the replaced agent would otherwise reconnect and take the name back
    await until(() => !a.connected);
    expect(await (await srv.dialer.fetch("n1", "/")).text()).toBe("second");
  });

  test("an upgrade from a non-node identity is refused with a Status", async () => {
    const srv = await tunnelServer(() => ({ authorized: true, subject: { CN: "alice", O: "devs" } }));
    cleanups.push(() => srv.close());
    const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
      const req = http.request(`${srv.url}/v1-k3rs/connect`, { headers: { connection: "Upgrade", upgrade: "websocket", "sec-websocket-version": "13", "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==" } });
      req.on("response", resolve);
      req.on("upgrade", () => reject(new Error("upgraded")));
      req.on("error", reject);
      req.end();
    });
    expect(res.statusCode).toBe(403);
    const body = await new Promise<string>((r) => {
      let s = "";
      res.on("data", (c) => (s += c));
      res.on("end", () => r(s));
    });
    expect(JSON.parse(body)).toMatchObject({ kind: "Status", code: 403, reason: "Forbidden" });
  });
});

async function until(fn: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!fn()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await Bun.sleep(5);
  }
}
