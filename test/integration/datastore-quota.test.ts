/**
 * `--datastore-quota`: a client filling the store gets a clear Status once it is full, nothing
 * it was refused is stored, and deleting makes room again — the control plane's own writes
 * that do not grow objects go on meanwhile.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { startTestApi, type TestApi } from "../helpers/api-harness.ts";

const QUOTA = 1024 * 1024;
let api: TestApi;
beforeAll(async () => {
  api = await startTestApi({ quotaBytes: QUOTA });
});
afterAll(async () => {
  await api?.close();
});

const cm = (name: string) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name }, data: { pad: "z".repeat(100_000) } });

test("creates past the quota get 500 'database space exceeded'; a delete makes room", async () => {
  const made: string[] = [];
  let refused: { status: number; body: any } | undefined;
  for (let i = 0; i < 20 && !refused; i++) {
    const r = await api.json("POST", "/api/v1/namespaces/default/configmaps", cm(`fill-${i}`));
    if (r.status === 201) made.push(`fill-${i}`);
    else refused = r;
  }
  expect(made.length).toBeGreaterThan(3);
  expect(refused).toBeDefined();
  expect(refused!.status).toBe(500);
  expect([refused!.body.kind, refused!.body.status, refused!.body.reason]).toEqual(["Status", "Failure", "InternalError"]);
  expect(refused!.body.message).toContain("database space exceeded");
  const name = `fill-${made.length}`;
  expect((await api.json("GET", `/api/v1/namespaces/default/configmaps/${name}`)).status).toBe(404);
  expect(api.store.stats().dataBytes!).toBeLessThanOrEqual(QUOTA);

  // Growing an existing object is refused too; a write that does not grow it passes.
  const grow = await api.json("PATCH", `/api/v1/namespaces/default/configmaps/${made[0]}`, { data: { more: "m".repeat(100_000) } }, { headers: { "content-type": "application/merge-patch+json" } });
  expect(grow.status).toBe(500);
  const label = await api.json("PATCH", `/api/v1/namespaces/default/configmaps/${made[0]}`, { data: { pad: "z".repeat(99_000) }, metadata: { labels: { a: "b" } } }, { headers: { "content-type": "application/merge-patch+json" } });
  expect(label.status).toBe(200);

  expect((await api.json("DELETE", `/api/v1/namespaces/default/configmaps/${made[1]}`)).status).toBe(200);
  const after = await api.json("POST", "/api/v1/namespaces/default/configmaps", cm(name));
  expect(after.status).toBe(201);
});
