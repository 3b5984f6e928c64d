import { describe, expect, test } from "bun:test";
import type { Duplex } from "node:stream";
import { duplexPair } from "../../test/helpers/duplex-pair.ts";
import { acceptWebSocket } from "./websocket-server.ts";
import { encodeFrame, Opcode, WebSocketFrameParser } from "./websocket-frames.ts";
import { TUNNELED_PORT_FORWARD, WebSocketTunnel } from "./websocket-tunnel.ts";

const MASK = Buffer.from([5, 6, 7, 8]);

async function until(fn: () => boolean): Promise<void> {
  while (!fn()) await Bun.sleep(1);
}

describe("WebSocket tunnel", () => {
  test("message payloads become one byte stream each way; the upstream's end closes the WebSocket", async () => {
    const [client, server] = duplexPair();
    const [upstreamHere, upstreamThere] = duplexPair();
    const tunnel = new WebSocketTunnel(upstreamHere);
    const headers = { upgrade: "websocket", connection: "Upgrade", "sec-websocket-key": "a2V5a2V5a2V5a2V5a2V5aw==", "sec-websocket-version": "13" };
    tunnel.start(acceptWebSocket(server, Buffer.alloc(0), headers, TUNNELED_PORT_FORWARD, tunnel.handlers));
    let upstreamGot = "";
    upstreamThere.on("data", (c: Buffer) => (upstreamGot += c.toString("latin1")));
    const parser = new WebSocketFrameParser({ expectMasked: false });
    const frames: Array<{ opcode: number; payload: Buffer }> = [];
    let head = "";
    client.on("data", (c: Buffer) => {
      if (!head.includes("\r\n\r\n")) {
        head += c.toString("latin1");
        const end = head.indexOf("\r\n\r\n");
        if (end < 0) return;
        c = Buffer.from(head.slice(end + 4), "latin1");
      }
      frames.push(...parser.push(c));
    });
    client.write(encodeFrame(Opcode.Binary, Buffer.from([0x80, 0x03]), { mask: MASK }));
    client.write(encodeFrame(Opcode.Binary, Buffer.from([0x00, 0x01]), { mask: MASK }));
    await until(() => upstreamGot.length === 4);
    expect(upstreamGot).toBe("\x80\x03\x00\x01");
    upstreamThere.write("reply");
    upstreamThere.end();
    await until(() => frames.some((f) => f.opcode === Opcode.Close));
    expect(head).toContain(`Sec-WebSocket-Protocol: ${TUNNELED_PORT_FORWARD}`);
    expect(frames[0]).toMatchObject({ opcode: Opcode.Binary, payload: Buffer.from("reply") });
    expect(frames.at(-1)!.payload.readUInt16BE(0)).toBe(1000);
    client.end(encodeFrame(Opcode.Close, Buffer.from([0x03, 0xe8]), { mask: MASK }));
    upstreamThere.destroy();
    await tunnel.done;
  });
});
