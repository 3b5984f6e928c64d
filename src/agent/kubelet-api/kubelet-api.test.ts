import { describe, expect, test } from "bun:test";
import client from "prom-client";
import { createKubeletApi } from "./kubelet-api.ts";

describe("the kubelet API's /metrics (a joined agent's proxy and DNS metrics)", () => {
  const deps = { podByName: () => undefined, runtime: {} as any, logRoot: undefined };

  test("serves the node's registry in the Prometheus text format", async () => {
    const registry = new client.Registry();
    new client.Counter({ name: "k3rs_proxy_connections_total", help: "x", registers: [registry] }).inc();
    const api = createKubeletApi({ ...deps, metrics: registry });
    const res = await api.app.fetch(new Request("http://node/metrics"));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/plain");
    expect(await res.text()).toContain("k3rs_proxy_connections_total 1");
    api.close();
  });

  test("without a registry (the server's embedded agent reports on the server's /metrics): 404", async () => {
    const api = createKubeletApi(deps);
    expect((await api.app.fetch(new Request("http://node/metrics"))).status).toBe(404);
    api.close();
  });
});
