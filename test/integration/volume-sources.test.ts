/**
 * A pod's ConfigMap and Secret volumes follow their sources, as the kubelet's do: the node
 * watches each object its pods use by name, under its own identity (`system:node:<name>`,
 * which the node authorizer lets watch only what its pods reference), and writes the volumes
 * made from a changed one again; downward API volumes follow the pod's labels. The real agent
 * code with the fake runtime, whose volume content is on disk as a real node's.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { RestClient } from "../../src/client/rest-client.ts";
import { runAgent, type RunningAgent } from "../../src/agent/run.ts";
import { startTestApi, type TestApi } from "../helpers/api-harness.ts";

const NODE = "vs-node";
const NS = "/api/v1/namespaces/default";
const MERGE = { headers: { "content-type": "application/merge-patch+json" } };
let api: TestApi;
let agent: RunningAgent;

beforeAll(async () => {
  api = await startTestApi();
  const peer = { authorized: true, subject: { CN: `system:node:${NODE}`, O: "system:nodes" } };
  const client = new RestClient({ server: "https://k3rs.test", path: "(node)" }, async (url, init) => api.app.fetch(new Request(url, init), { peer, signal: init.signal ?? undefined }));
  agent = await runAgent({ client, nodeName: NODE, dataDir: api.dir, runtime: "fake", signal: new AbortController().signal, tuning: { leaseRenewMs: 1000, statusCheckMs: 1000, backoffBaseMs: 200 } });
});
afterAll(async () => {
  agent?.stop();
  await api?.close();
});

async function waitFor<T>(fn: () => Promise<T | undefined | false> | T | undefined | false, what: string): Promise<T> {
  // A hang guard, not a threshold.
  for (const deadline = Date.now() + 20_000; ; await Bun.sleep(25)) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
  }
}

const read = (file: string) => {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
};

describe("volumes follow their sources", () => {
  let uid: string;
  const volume = (plugin: string, name: string, file: string) => join(api.dir, "agent", "pods", uid, "volumes", `kubernetes.io~${plugin}`, name, file);

  test("a running pod's ConfigMap, Secret and projected volumes are written again when their objects change", async () => {
    expect((await api.json("POST", `${NS}/configmaps`, { metadata: { name: "app" }, data: { greeting: "hello" } })).status).toBe(201);
    expect((await api.json("POST", `${NS}/secrets`, { metadata: { name: "creds" }, stringData: { password: "one" } })).status).toBe(201);
    expect((await api.json("POST", `${NS}/configmaps`, { metadata: { name: "pinned" }, data: { v: "1" }, immutable: true })).status).toBe(201);
    const created = await api.json("POST", `${NS}/pods`, {
      metadata: { name: "reader", labels: { tier: "web" } },
      spec: {
        nodeName: NODE,
        containers: [{ name: "c", image: "busybox", env: [{ name: "G", valueFrom: { configMapKeyRef: { name: "app", key: "greeting" } } }] }],
        volumes: [
          { name: "cfg", configMap: { name: "app" } },
          { name: "sec", secret: { secretName: "creds" } },
          { name: "both", projected: { sources: [{ configMap: { name: "app", items: [{ key: "greeting", path: "g" }] } }, { secret: { name: "creds" } }] } },
          { name: "pin", configMap: { name: "pinned" } },
          { name: "meta", downwardAPI: { items: [{ path: "labels", fieldRef: { fieldPath: "metadata.labels" } }, { path: "name", fieldRef: { fieldPath: "metadata.name" } }] } },
        ],
      },
    });
    expect(created.status).toBe(201);
    uid = created.body.metadata.uid;
    await waitFor(async () => (await api.json("GET", `${NS}/pods/reader`)).body.status?.phase === "Running", "the pod to run");
    expect(read(volume("configmap", "cfg", "greeting"))).toBe("hello");
    expect(read(volume("secret", "sec", "password"))).toBe("one");
    expect(read(volume("projected", "both", "g"))).toBe("hello");

    expect((await api.json("PATCH", `${NS}/configmaps/app`, { data: { greeting: "bonjour" } }, MERGE)).status).toBe(200);
    await waitFor(() => read(volume("configmap", "cfg", "greeting")) === "bonjour", "the configMap volume to follow");
    await waitFor(() => read(volume("projected", "both", "g")) === "bonjour", "the projected volume to follow");
    expect(read(volume("secret", "sec", "password"))).toBe("one");

    expect((await api.json("PATCH", `${NS}/secrets/creds`, { stringData: { password: "two" } }, MERGE)).status).toBe(200);
    await waitFor(() => read(volume("secret", "sec", "password")) === "two", "the secret volume to follow");
    await waitFor(() => read(volume("projected", "both", "password")) === "two", "the projected secret to follow");
    // A key that appears appears in the volume too.
    expect((await api.json("PATCH", `${NS}/configmaps/app`, { data: { extra: "x" } }, MERGE)).status).toBe(200);
    await waitFor(() => read(volume("configmap", "cfg", "extra")) === "x", "a new key to appear");
    expect(read(volume("projected", "both", "extra"))).toBeUndefined();
    expect(read(volume("configmap", "pin", "v"))).toBe("1");
  });

  test("a downward API volume of the pod's labels follows them", async () => {
    expect(read(volume("downward-api", "meta", "labels"))).toBe('tier="web"');
    expect((await api.json("PATCH", `${NS}/pods/reader`, { metadata: { labels: { tier: "api", canary: "yes" } } }, MERGE)).status).toBe(200);
    await waitFor(() => read(volume("downward-api", "meta", "labels")) === 'canary="yes"\ntier="api"', "the labels file to follow");
    expect(read(volume("downward-api", "meta", "name"))).toBe("reader");
  });

  test("a deleted source leaves the volume as it was; created again, it is followed again", async () => {
    expect((await api.json("DELETE", `${NS}/configmaps/app`)).status).toBe(200);
    await Bun.sleep(300);
    expect(read(volume("configmap", "cfg", "greeting"))).toBe("bonjour");
    expect((await api.json("POST", `${NS}/configmaps`, { metadata: { name: "app" }, data: { greeting: "again" } })).status).toBe(201);
    await waitFor(() => read(volume("configmap", "cfg", "greeting")) === "again", "the recreated object to be followed");
  });
});
