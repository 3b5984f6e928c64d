import { describe, expect, test } from "bun:test";
import { Duplex, PassThrough } from "node:stream";
import { acceptKey, encodeFrame, Opcode, WebSocketFrameParser, type WebSocketFrame } from "./websocket-frames.ts";
import { acceptWebSocket, chooseProtocol, isWebSocketRequest, type CloseInfo } from "./websocket-server.ts";

const MASK = Buffer.from([9, 8, 7, 6]);
const HEADERS = {
  upgrade: "websocket", connection: "Upgrade", "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==", "sec-websocket-version": "13",
  "sec-websocket-protocol": "v5.channel.k8s.io, v4.channel.k8s.io",
};

/** Both ends of an in-memory connection: the server's Duplex, and what the client sends and receives. */
function pipe() {
  const toServer = new PassThrough();
  const toClient = new PassThrough();
  const server = Duplex.from({ readable: toServer, writable: toClient } as any);
  let text = "";
  const frames: WebSocketFrame[] = [];
  const parser = new WebSocketFrameParser({ expectMasked: false });
  let headDone = false;
  toClient.on("data", (c: Buffer) => {
    if (!headDone) {
      text += c.toString("latin1");
      const end = text.indexOf("\r\n\r\n");
      if (end < 0) return;
      headDone = true;
      frames.push(...parser.push(Buffer.from(text.slice(end + 4), "latin1")));
      text = text.slice(0, end);
      return;
    }
    frames.push(...parser.push(c));
  });
  return { server, send: (b: Buffer) => toServer.write(b), end: () => toServer.end(), head: () => text, frames };
}

async function until(fn: () => boolean): Promise<void> {
  while (!fn()) await Bun.sleep(1);
}

describe("websocket server connection", () => {
  test("request checks and protocol choice follow the client's order", () => {
    expect(isWebSocketRequest(HEADERS)).toBe(true);
    expect(isWebSocketRequest({ ...HEADERS, connection: "keep-alive, Upgrade" })).toBe(true);
    expect(isWebSocketRequest({ ...HEADERS, upgrade: "SPDY/3.1" })).toBe(false);
    expect(chooseProtocol(HEADERS, ["v4.channel.k8s.io", "v5.channel.k8s.io"])).toBe("v5.channel.k8s.io");
    expect(chooseProtocol(HEADERS, ["base64.channel.k8s.io"])).toBeUndefined();
  });

  test("handshake, messages both ways (the upgrade's head bytes first), ping answered, close echoed", async () => {
    const p = pipe();
    const got: Buffer[] = [];
    let closed: CloseInfo | undefined;
    const head = encodeFrame(Opcode.Binary, Buffer.from([0, 65]), { mask: MASK });
    const ws = acceptWebSocket(p.server, head, HEADERS, "v5.channel.k8s.io", { onMessage: (d) => got.push(d), onClose: (i) => (closed = i) });
    await until(() => p.head().length > 0);
    expect(p.head()).toContain("HTTP/1.1 101 Switching Protocols");
    expect(p.head()).toContain(`Sec-WebSocket-Accept: ${acceptKey(HEADERS["sec-websocket-key"])}`);
    expect(p.head()).toContain("Sec-WebSocket-Protocol: v5.channel.k8s.io");
    p.send(Buffer.concat([
      encodeFrame(Opcode.Binary, Buffer.from([0, 66]), { mask: MASK, fin: false }),
      encodeFrame(Opcode.Ping, Buffer.from("hb"), { mask: MASK }),
      encodeFrame(Opcode.Continuation, Buffer.from([67]), { mask: MASK }),
    ]));
    ws.send(Buffer.from([1, 104, 105]));
    await until(() => got.length === 2 && p.frames.length === 2);
    expect(got.map((b) => [...b])).toEqual([[0, 65], [0, 66, 67]]);
    // Our message went out at once; the pong when the ping arrived.
    expect(p.frames.map((f) => [f.opcode, f.payload.toString("latin1")])).toEqual([[Opcode.Binary, "\x01hi"], [Opcode.Pong, "hb"]]);
    const close = Buffer.alloc(2);
    close.writeUInt16BE(1000);
    p.send(encodeFrame(Opcode.Close, close, { mask: MASK }));
    await until(() => closed !== undefined && p.frames.length === 3);
    expect(closed).toEqual({ code: 1000, reason: "" });
    expect(p.frames.at(-1)!.opcode).toBe(Opcode.Close);
  });

  test("our close sends a close frame and ends the stream", async () => {
    const p = pipe();
    let closed: CloseInfo | undefined;
    const ws = acceptWebSocket(p.server, Buffer.alloc(0), HEADERS, undefined, { onMessage: () => {}, onClose: (i) => (closed = i) });
    ws.close(1000, "bye");
    p.end();
    await until(() => closed !== undefined && p.frames.length === 1);
    const last = p.frames.at(-1)!;
    expect(last.opcode).toBe(Opcode.Close);
    expect(last.payload.readUInt16BE(0)).toBe(1000);
    expect(last.payload.subarray(2).toString()).toBe("bye");
    expect(closed?.code).toBe(1000);
    expect(p.head()).not.toContain("Sec-WebSocket-Protocol");
  });

  test("an unmasked client frame closes with a protocol error", async () => {
    const p = pipe();
    acceptWebSocket(p.server, Buffer.alloc(0), HEADERS, undefined, { onMessage: () => {} });
    p.send(encodeFrame(Opcode.Binary, Buffer.from("x")));
    await until(() => p.frames.length === 1);
    expect(p.frames.at(-1)!.payload.readUInt16BE(0)).toBe(1002);
  });

  test("a request that is no WebSocket handshake is refused before anything is written", () => {
    const p = pipe();
    expect(() => acceptWebSocket(p.server, Buffer.alloc(0), { ...HEADERS, "sec-websocket-version": "8" }, undefined, { onMessage: () => {} })).toThrow("version");
    expect(() => acceptWebSocket(p.server, Buffer.alloc(0), { upgrade: "websocket" }, undefined, { onMessage: () => {} })).toThrow("Sec-WebSocket-Key");
  });
});
