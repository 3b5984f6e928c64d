/**
 * End-to-end: `kubectl apply -f` of a `kind: List`. kubectl 1.32 validates a List's items on
 * the client (its fieldValidation probe counts List as unsupported) against the OpenAPI v2
 * definitions, which it asks for only as gnostic protobuf: the server once answered 406 and
 * every List apply failed.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
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
});
