import { describe, expect, test } from "bun:test";
import { EventEmitter } from "node:events";
import type { ServerResponse } from "node:http";
import { canPush, chunkFrame, markPushBody, pushSourceOf, sendPushed, type PushSink } from "./push-body.ts";

const enc = new TextEncoder();
const text = (b: Uint8Array) => new TextDecoder().decode(b);
const tick = () => new Promise<void>((r) => setImmediate(r));

/** A socket that records each write and reports back-pressure when told to. */
class FakeSocket extends EventEmitter {
  writes: Uint8Array[] = [];
  destroyed = false;
  full = false;
  write(data: Uint8Array): boolean {
    this.writes.push(new Uint8Array(data));
    return !this.full;
  }
}

function fakeRes(socket: FakeSocket) {
  const res = Object.assign(new EventEmitter(), { socket, headersSent: true, ended: 0, getHeader: (_: string) => undefined as unknown, end: () => void res.ended++ });
  return res;
}

/** Serves a push source whose sink the test drives by hand. */
function pushed(socket: FakeSocket) {
  const res = fakeRes(socket);
  let sink!: PushSink;
  let resumed = 0;
  const done = sendPushed(res as unknown as ServerResponse, { attach: (s) => ((sink = s), () => void resumed++) });
  return { res, done, sink: () => sink, resumed: () => resumed };
}

describe("push bodies", () => {
  test("a chunk's frame is chunked transfer coding, built once per chunk", () => {
    const line = enc.encode('{"type":"ADDED"}\n');
    expect(text(chunkFrame(line))).toBe('11\r\n{"type":"ADDED"}\n\r\n');
    expect(chunkFrame(line)).toBe(chunkFrame(line));
  });

  test("chunks written in one tick leave in one socket write, in order", async () => {
    const socket = new FakeSocket();
    const p = pushed(socket);
    expect(p.sink().write(enc.encode("a\n"))).toBe(true);
    expect(p.sink().write(enc.encode("bc\n"))).toBe(true);
    expect(socket.writes).toHaveLength(0);
    await tick();
    expect(socket.writes.map(text)).toEqual(["2\r\na\n\r\n3\r\nbc\n\r\n"]);
  });

  test("a backed-up socket makes write say wait, and its drain resumes the producer", async () => {
    const socket = new FakeSocket();
    socket.full = true;
    const p = pushed(socket);
    p.sink().write(enc.encode("a\n"));
    await tick();
    expect(p.sink().write(enc.encode("b\n"))).toBe(false);
    expect(p.resumed()).toBe(0);
    socket.full = false;
    socket.emit("drain");
    expect(p.resumed()).toBe(1);
  });

  test("end sends what is pending, then ends the response (which writes the last chunk)", async () => {
    const socket = new FakeSocket();
    const p = pushed(socket);
    p.sink().write(enc.encode("a\n"));
    p.sink().end();
    expect(socket.writes.map(text)).toEqual(["2\r\na\n\r\n"]);
    expect(p.res.ended).toBe(1);
    await p.done;
  });

  test("only a chunked HTTP/1.1 response is pushed; a marked body already being read is not offered", async () => {
    const res = fakeRes(new FakeSocket()) as unknown as ServerResponse;
    expect(canPush(res, "1.1", { "content-type": "application/json" })).toBe(true);
    expect(canPush(res, "1.0", {})).toBe(false);
    expect(canPush(res, "1.1", { "content-length": "12" })).toBe(false);
    const stream = new ReadableStream<Uint8Array>();
    const source = { attach: () => () => {} };
    markPushBody(stream, source);
    expect(pushSourceOf(stream)).toBe(source);
    stream.getReader();
    expect(pushSourceOf(stream)).toBeUndefined();
  });
});
