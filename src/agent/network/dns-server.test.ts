import { describe, expect, test } from "bun:test";
import client from "prom-client";
import { ClusterDnsStore } from "../../net/dns/index.ts";
import { keepDnsListening } from "./dns-server.ts";

/**
 * A UDP socket holding a port that TCP has free too: the server binds both, and a port whose
 * TCP side another socket holds (an outgoing connection of the suite) would never come free.
 */
async function squatPort() {
  for (;;) {
    const udp = await Bun.udpSocket({ hostname: "127.0.0.1", port: 0, socket: { error() {} } });
    try {
      Bun.listen({ hostname: "127.0.0.1", port: udp.port, socket: { data() {} } }).stop(true);
      return udp;
    } catch {
      udp.close();
    }
  }
}

describe("keepDnsListening", () => {
  test("a port held by someone else: retried until free, then served, metrics registered once", async () => {
    const squat = await squatPort();
    const registry = new client.Registry();
    const stop = new AbortController();
    let bound = false;
    const serving = keepDnsListening({ store: new ClusterDnsStore(), hostname: "127.0.0.1", port: squat.port, upstreams: [], registry, signal: stop.signal, retryMs: 20 }).then((d) => {
      bound = true;
      return d;
    });
    await Bun.sleep(100);
    expect(bound).toBe(false);
    squat.close();
    const dns = await serving;
    expect(dns?.port).toBe(squat.port);
    expect((await registry.metrics()).match(/^# HELP k3rs_dns_queries_total/gm)?.length).toBe(1);
    stop.abort();
  });

  test("aborted before it could bind: resolves with nothing", async () => {
    const squat = await Bun.udpSocket({ hostname: "127.0.0.1", port: 0, socket: { error() {} } });
    const stop = new AbortController();
    const serving = keepDnsListening({ store: new ClusterDnsStore(), hostname: "127.0.0.1", port: squat.port, upstreams: [], signal: stop.signal, retryMs: 20 });
    await Bun.sleep(50);
    stop.abort();
    expect(await serving).toBeUndefined();
    squat.close();
  });
});
