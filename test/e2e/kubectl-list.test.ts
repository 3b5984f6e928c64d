/**
 * End-to-end: `kubectl apply -f` of a `kind: List`. kubectl 1.32 validates a List's items on
 * the client (its fieldValidation probe counts List as unsupported) against the OpenAPI v2
 * definitions, which it asks for only as gnostic protobuf: the server once answered 406 and
 * every List apply failed.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import YAML from "yaml";
import { KUBECTL, startE2EServer, type E2EServer } from "../helpers/e2e-server.ts";

const cm = (name: string, data: Record<string, string>, extra: object = {}) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: "default" }, data, ...extra });
const list = (...items: object[]) => JSON.stringify({ apiVersion: "v1", kind: "List", items });

let s: E2EServer;

describe.skipIf(!existsSync(KUBECTL))("kubectl apply of a kind: List", () => {
  beforeAll(async () => {
    s = await startE2EServer({ extraArgs: ["--runtime", "fake"] });
  });
  afterAll(async () => {
    await s?.stop();
  });

  test("creates both items, then configures the one that changed", async () => {
    const first = await s.kubectl(["apply", "-f", "-"], { stdin: list(cm("list-a", { k: "1" }), cm("list-b", { k: "2" })) });
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    expect(first.stdout).toContain("configmap/list-a created");
    expect(first.stdout).toContain("configmap/list-b created");

    const again = await s.kubectl(["apply", "-f", "-"], { stdin: list(cm("list-a", { k: "1" }), cm("list-b", { k: "3" })) });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("configmap/list-a unchanged");
    expect(again.stdout).toContain("configmap/list-b configured");
    const b = await s.kubectl(["get", "configmap", "list-b", "-o", "jsonpath={.data.k}"]);
    expect(b.stdout).toBe("3");
  });

  test("an item with an unknown field is refused by kubectl's own validation against the v2 definitions", async () => {
    const r = await s.kubectl(["apply", "-f", "-"], { stdin: list(cm("list-c", { k: "1" }), cm("list-typo", { k: "1" }, { datta: { k: "v" } })) });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('unknown field "datta"');
    expect((await s.kubectl(["get", "configmap", "list-c"])).code).not.toBe(0);
  });

  test("a list over 128 KiB comes gzipped over the API's own HTTP/1.1, and kubectl reads it as JSON and as a Table", async () => {
    const items = Array.from({ length: 400 }, (_, i) => cm(`bulk-${String(i).padStart(3, "0")}`, { v: `${i}-`.repeat(300) }, { metadata: { name: `bulk-${String(i).padStart(3, "0")}`, namespace: "default", labels: { bulk: "yes" } } }));
    const made = await s.kubectl(["apply", "-f", "-"], { stdin: list(...items) });
    expect(made.code).toBe(0);

    const kc = YAML.parse(readFileSync(s.kubeconfig, "utf8"));
    const b64 = (x: string) => Buffer.from(x, "base64").toString("utf8");
    const tls = { ca: b64(kc.clusters[0].cluster["certificate-authority-data"]), cert: b64(kc.users[0].user["client-certificate-data"]), key: b64(kc.users[0].user["client-key-data"]) };
    const raw = await fetch(`https://127.0.0.1:${s.port}/api/v1/namespaces/default/configmaps?labelSelector=bulk%3Dyes`, { tls, decompress: false, headers: { "accept-encoding": "gzip" } } as RequestInit);
    expect(raw.status).toBe(200);
    expect(raw.headers.get("content-encoding")).toBe("gzip");
    const zipped = new Uint8Array(await raw.arrayBuffer());
    const text = Buffer.from(Bun.gunzipSync(zipped)).toString();
    expect(text.length).toBeGreaterThan(256 * 1024);
    expect(zipped.byteLength).toBeLessThan(text.length / 5);
    expect(JSON.parse(text).items).toHaveLength(400);

    const json = await s.kubectl(["get", "configmaps", "-l", "bulk=yes", "-o", "json"]);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout).items.map((i: any) => i.metadata.name)).toEqual(items.map((i) => i.metadata.name));
    const table = await s.kubectl(["get", "configmaps", "-l", "bulk=yes", "--no-headers"]);
    expect(table.code).toBe(0);
    expect(table.stdout.trim().split("\n").map((l) => l.split(/\s+/)[0])).toEqual(items.map((i) => i.metadata.name));
  });
});
