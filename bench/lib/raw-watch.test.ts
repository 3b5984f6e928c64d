import { afterAll, beforeAll, expect, test } from "bun:test";
import net from "node:net";
import { awaitDelivery, openRawWatchers } from "./raw-watch.ts";

/** A watch server stand-in: answers each connection with a chunked head, then frames as the test sends them. */
let server: net.Server;
let port: number;
const clients: net.Socket[] = [];

const frame = (line: string) => `${Buffer.byteLength(line).toString(16)}\r\n${line}\r\n`;
const event = (rev: number) => frame(`{"type":"ADDED","object":{"metadata":{"name":"ev","resourceVersion":"${rev}"}}}\n`);
const sendAll = (text: string) => clients.forEach((c) => c.write(text));

beforeAll(async () => {
  server = net.createServer((s) => {
    s.setNoDelay(true);
    s.once("data", () => {
      s.write("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n");
      clients.push(s);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  port = (server.address() as net.AddressInfo).port;
});

afterAll(() => {
  for (const c of clients) c.destroy();
  server.close();
});

async function until(what: () => boolean): Promise<void> {
  for (const deadline = Date.now() + 5000; !what() && Date.now() < deadline; ) await Bun.sleep(5);
}

test("an event the writer did not make does not end the wait for the written ones still on their way", async () => {
  clients.length = 0;
  const watchers = await openRawWatchers(2, { port, request: "GET /watch HTTP/1.1\r\n\r\n", readyMarker: "HTTP/1.1 200", revisionMarker: '"resourceVersion":"', chunked: true });
  try {
    expect(watchers.ready).toBe(2);
    // Revision 50 is a controller's (kube-root-ca.crt); 53–55 are the writer's.
    const sent = new Map([[53, 0], [54, 0], [55, 0]]);
    sendAll(event(50) + event(53) + event(54));
    await until(() => watchers.arrivals === 6);
    // As many events arrived as were written per watcher, yet 55 has not.
    expect(watchers.arrivals).toBe(sent.size * watchers.ready);
    expect(watchers.delivered(sent)).toBe(4);
    const waiting = awaitDelivery(watchers, sent, { quietMs: 10_000, timeoutMs: 20_000, pollMs: 10 });
    await Bun.sleep(50);
    sendAll(event(55));
    expect(await waiting).toEqual({ delivered: 6, expected: 6 });
    expect(watchers.latencies(sent).missing).toBe(0);
    expect(watchers.diagnose(sent)).toEqual([]);
  } finally {
    watchers.close();
  }
});

test("a revision marker split across two reads is counted once, and a lost byte range shows as a framing error", async () => {
  clients.length = 0;
  const watchers = await openRawWatchers(1, { port, request: "GET /watch HTTP/1.1\r\n\r\n", readyMarker: "HTTP/1.1 200", revisionMarker: '"resourceVersion":"', chunked: true });
  try {
    const whole = event(61);
    const cut = whole.indexOf("resourceVersion") + 5;
    sendAll(whole.slice(0, cut));
    await Bun.sleep(50);
    sendAll(whole.slice(cut));
    await until(() => watchers.arrivals === 1);
    const sent = new Map([[61, 0], [62, 0]]);
    expect(watchers.delivered(sent)).toBe(1);
    // Revision 62's frame with 10 bytes of its line gone (its size line no longer matches), then 64's.
    const next = event(62);
    sendAll(next.slice(0, 20) + next.slice(30) + event(64));
    await until(() => watchers.arrivals === 3);
    const [d] = watchers.diagnose(new Map([[61, 0], [62, 0], [63, 0], [64, 0]]));
    expect(d!.missing).toEqual([63]);
    expect(d!.framingError).toContain("not followed by CRLF");
  } finally {
    watchers.close();
  }
});
