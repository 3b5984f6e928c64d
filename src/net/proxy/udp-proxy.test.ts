import { afterEach, expect, test } from "bun:test";
import client from "prom-client";
import { ProxyMetrics } from "./metrics.ts";
import { ServiceTable } from "./service-table.ts";
import { udpAsk, udpEcho } from "./testing/net.ts";
import { service, slice } from "./testing/objects.ts";
import { listenUdp } from "./udp-proxy.ts";

const cleanups: (() => unknown)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

async function setup(idleMs: number, maxSessions?: number) {
  const echo = await udpEcho("127.0.0.1", "e");
  cleanups.push(() => echo.close());
  const table = new ServiceTable();
  const port = 30000 + (process.pid % 20000);
  table.upsertService(service("u", { clusterIP: "127.0.0.30", ports: [{ port, protocol: "UDP" }] }));
  table.upsertSlice(slice("u", "u", [{ port: echo.port, protocol: "UDP" }], [{ ip: "127.0.0.1" }]));
  const l = await listenUdp(table.frontend(`UDP/127.0.0.30:${port}`)!, { picker: table, metrics: new ProxyMetrics(new client.Registry()), idleMs, maxSessions });
  cleanups.push(() => l.stop());
  return { l, port };
}

test("a frontend socket found closed (Bun's ICMP bugs) is re-created on the same address", async () => {
  const { l, port } = await setup(100);
  expect(await udpAsk("127.0.0.30", port, "a")).toBe("e:a");
  // What bun#18029 did: the socket closed under us without a close event.
  (l as unknown as { sock: { close(): void } }).sock.close();
  let reply = "<timeout>";
  for (let i = 0; i < 20 && reply === "<timeout>"; i++) reply = await udpAsk("127.0.0.30", port, "b", 200);
  expect(reply).toBe("e:b");
  expect(l.reopened).toBe(1);
});

test("idle sessions end after idleMs", async () => {
  const { l, port } = await setup(100);
  expect(await udpAsk("127.0.0.30", port, "a")).toBe("e:a");
  expect(l.sessions).toBe(1);
  for (let i = 0; i < 40 && l.sessions > 0; i++) await Bun.sleep(25);
  expect(l.sessions).toBe(0);
});

test("past maxSessions the oldest session ends", async () => {
  const { l, port } = await setup(60_000, 2);
  for (const m of ["a", "b", "c"]) expect(await udpAsk("127.0.0.30", port, m)).toBe(`e:${m}`);
  expect(l.sessions).toBe(2);
});
