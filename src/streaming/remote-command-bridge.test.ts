import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Duplex, PassThrough } from "node:stream";
import { startFakeStreamingServer, type CommandIO, type FakeStreamingServer } from "../../test/helpers/fake-cri-streaming.ts";
import { dialCriStream } from "./cri-stream.ts";
import { SpdySession } from "./spdy-session.ts";
import { Channel, exitCodeOf, StreamProtocolV4, StreamProtocolV5, type StreamOptions } from "./remote-command.ts";
import { OUTPUT_HOLD_MS, openRemoteCommandStreams, RemoteCommandBridge } from "./remote-command-bridge.ts";
import { acceptWebSocket } from "./websocket-server.ts";
import { encodeFrame, Opcode, WebSocketFrameParser } from "./websocket-frames.ts";

const MASK = Buffer.from([1, 2, 3, 4]);

async function until(fn: () => boolean): Promise<void> {
  while (!fn()) await Bun.sleep(1);
}

function readText(s: NodeJS.ReadableStream | undefined): Promise<string> {
  return new Promise((r) => {
    if (!s) return r("");
    let t = "";
    s.on("data", (c: Buffer) => (t += c.toString()));
    s.on("end", () => r(t));
  });
}

/** Commands the fake runtime knows. */
async function script(io: CommandIO): Promise<number> {
  switch (io.cmd[0]) {
    case "cat": {
      const text = await readText(io.stdin);
      io.stdout?.write(text.toUpperCase());
      return 0;
    }
    case "fail":
      io.stdout?.write("out\n");
      io.stderr?.write("err\n");
      return Number(io.cmd[1]);
    case "tty":
      await until(() => io.resizes.length > 0);
      io.stdout?.write(`size ${io.resizes[0]!.Width}x${io.resizes[0]!.Height}\r\n`);
      return 0;
    default:
      return 127;
  }
}

let fake: FakeStreamingServer;
beforeAll(async () => {
  fake = await startFakeStreamingServer(script);
});
afterAll(() => fake.close());

/** A WebSocket client speaking a remote-command protocol to the bridge, in memory. */
async function session(cmd: string[], opts: StreamOptions, protocol = StreamProtocolV5) {
  const { socket } = await dialCriStream(fake.execUrl(cmd, opts), [StreamProtocolV4]);
  const spdy = new SpdySession(socket, { side: "client" });
  const bridge = new RemoteCommandBridge(spdy, await openRemoteCommandStreams(spdy, opts), protocol);
  const toServer = new PassThrough();
  const toClient = new PassThrough();
  const server = Duplex.from({ readable: toServer, writable: toClient } as any);
  const parser = new WebSocketFrameParser({ expectMasked: false });
  const channels: Record<number, Buffer[]> = {};
  let closeCode: number | undefined;
  let head = "";
  toClient.on("data", (c: Buffer) => {
    if (!head.includes("\r\n\r\n")) {
      head += c.toString("latin1");
      const end = head.indexOf("\r\n\r\n");
      if (end < 0) return;
      c = Buffer.from(head.slice(end + 4), "latin1");
    }
    for (const f of parser.push(c)) {
      if (f.opcode === Opcode.Close) closeCode = f.payload.readUInt16BE(0);
      else (channels[f.payload[0]!] ??= []).push(f.payload.subarray(1));
    }
  });
  const headers = { upgrade: "websocket", connection: "Upgrade", "sec-websocket-key": "a2V5a2V5a2V5a2V5a2V5aw==", "sec-websocket-version": "13" };
  bridge.start(acceptWebSocket(server, Buffer.alloc(0), headers, protocol, bridge.handlers));
  return {
    bridge,
    send: (channel: number, data: string | number[]) => toServer.write(encodeFrame(Opcode.Binary, Buffer.concat([Buffer.from([channel]), Buffer.from(data as any)]), { mask: MASK })),
    text: (channel: number) => Buffer.concat(channels[channel] ?? []).toString(),
    closed: () => closeCode !== undefined,
    closeCode: () => closeCode,
    leave: () => toServer.end(encodeFrame(Opcode.Close, Buffer.from([0x03, 0xe8]), { mask: MASK })),
  };
}

describe("remote command bridge (WebSocket v5/v4 ⇄ SPDY v4)", () => {
  test("stdin closed by v5 CLOSE reaches the command as EOF; output, then Success, then a normal close", async () => {
    const s = await session(["cat"], { stdin: true, stdout: true, stderr: true, tty: false });
    s.send(Channel.Stdin, "hello ");
    s.send(Channel.Stdin, "world");
    s.send(Channel.Close, [Channel.Stdin]);
    const status = await s.bridge.done;
    await until(s.closed);
    expect(s.text(Channel.Stdout)).toBe("HELLO WORLD");
    expect(JSON.parse(s.text(Channel.Error))).toEqual({ metadata: {}, status: "Success" });
    expect(exitCodeOf(status!)).toBe(0);
    expect(s.closeCode()).toBe(1000);
  });

  test("a non-zero exit comes back as NonZeroExitCode with the ExitCode cause; stderr on channel 2", async () => {
    const s = await session(["fail", "3"], { stdin: false, stdout: true, stderr: true, tty: false });
    await s.bridge.done;
    await until(s.closed);
    expect(s.text(Channel.Stdout)).toBe("out\n");
    expect(s.text(Channel.Stderr)).toBe("err\n");
    const st = JSON.parse(s.text(Channel.Error));
    expect(st).toMatchObject({ status: "Failure", reason: "NonZeroExitCode", details: { causes: [{ reason: "ExitCode", message: "3" }] } });
    expect(exitCodeOf(Buffer.from(s.text(Channel.Error)))).toBe(3);
  });

  test("output the runtime has ready at the upgrade is held OUTPUT_HOLD_MS, so kubectl has made its streams, then sent whole and in order", async () => {
    const s = await session(["fail", "2"], { stdin: false, stdout: true, stderr: true, tty: false });
    const upgradedAt = performance.now();
    await until(() => s.text(Channel.Stdout) !== "" || s.text(Channel.Stderr) !== "");
    expect(performance.now() - upgradedAt).toBeGreaterThanOrEqual(OUTPUT_HOLD_MS - 2);
    await s.bridge.done;
    await until(s.closed);
    expect(s.text(Channel.Stdout)).toBe("out\n");
    expect(s.text(Channel.Stderr)).toBe("err\n");
    expect(exitCodeOf(Buffer.from(s.text(Channel.Error)))).toBe(2);
  });

  test("a runtime stream gone while output is held ends the session instead of hanging it", async () => {
    const s = await session(["fail", "1"], { stdin: false, stdout: true, stderr: true, tty: false });
    s.bridge["streams"].stdout!.destroy();
    s.bridge["streams"].stderr!.destroy();
    const status = await s.bridge.done;
    expect(status).toBeDefined();
  });

  test("a tty gets a resize stream fed from channel 4 and no stderr stream", async () => {
    const s = await session(["tty"], { stdin: true, stdout: true, stderr: false, tty: true });
    s.send(Channel.Resize, JSON.stringify({ Width: 120, Height: 40 }) + "\n");
    await s.bridge.done;
    expect(s.text(Channel.Stdout)).toBe("size 120x40\r\n");
    const last = fake.upgrades.at(-1)!;
    expect(last.protocols).toEqual([StreamProtocolV4]);
  });

  test("v4 has no CLOSE signal: the message is ignored, stdin stays open until the client leaves", async () => {
    const s = await session(["cat"], { stdin: true, stdout: true, stderr: false, tty: false }, StreamProtocolV4);
    s.send(Channel.Stdin, "x");
    s.send(Channel.Close, [Channel.Stdin]);
    s.leave();
    expect(await s.bridge.done).toBeUndefined();
  });
});
