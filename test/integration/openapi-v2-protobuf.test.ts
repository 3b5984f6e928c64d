/** /openapi/v2 served as kube-openapi serves it: JSON or gnostic protobuf by Accept, one ETag, 304, 406. */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { startTestApi, type TestApi } from "../helpers/api-harness.ts";

const KUBECTL_ACCEPT = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf";
const PROTOBUF = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf";

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(async () => {
  await api.close();
});

test("kubectl's Accept gets the protobuf Document, with the JSON form's ETag", async () => {
  const pb = await api.request("GET", "/openapi/v2", undefined, { headers: { accept: KUBECTL_ACCEPT } });
  expect(pb.status).toBe(200);
  expect(pb.headers.get("content-type")).toBe(PROTOBUF);
  expect(pb.headers.get("vary")).toBe("Accept");
  const bytes = new Uint8Array(await pb.arrayBuffer());
  // Document.swagger (field 1, length-delimited) = "2.0" comes first.
  expect([...bytes.slice(0, 5)]).toEqual([0x0a, 3, 0x32, 0x2e, 0x30]);
  const etag = pb.headers.get("etag");
  expect(etag).toMatch(/^"[0-9A-F]{128}"$/);

  const json = await api.request("GET", "/openapi/v2", undefined, { headers: { accept: "application/json" } });
  expect(json.status).toBe(200);
  expect(json.headers.get("content-type")).toContain("application/json");
  expect(json.headers.get("etag")).toBe(etag);
  expect(((await json.json()) as any).swagger).toBe("2.0");
});

test("If-None-Match with the ETag is 304 with no body", async () => {
  const first = await api.request("GET", "/openapi/v2", undefined, { headers: { accept: KUBECTL_ACCEPT } });
  const etag = first.headers.get("etag")!;
  const again = await api.request("GET", "/openapi/v2", undefined, { headers: { accept: KUBECTL_ACCEPT, "if-none-match": etag } });
  expect(again.status).toBe(304);
  expect(await again.text()).toBe("");
});

test("an Accept naming neither form is 406 NotAcceptable", async () => {
  const r = await api.request("GET", "/openapi/v2", undefined, { headers: { accept: "text/html" } });
  expect(r.status).toBe(406);
  const body = (await r.json()) as any;
  expect(body.kind).toBe("Status");
  expect(body.reason).toBe("NotAcceptable");
});
