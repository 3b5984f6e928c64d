import { expect, test } from "bun:test";
import type { KubeObject } from "../../model/object.ts";
import { builtinResources } from "../resources/builtin.ts";
import { tableListBody, toTable } from "./table.ts";

const pods = builtinResources.find((d) => d.kind === "Pod" && d.group === "")!;
const pod = (i: number): KubeObject => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: `web-${i}`, namespace: "default", labels: { app: "web", pad: "x".repeat(60) } },
  spec: { nodeName: "n1", containers: [{ name: "c", image: "busybox" }] },
  status: { phase: "Running", podIP: "10.42.0.9", containerStatuses: [{ name: "c", ready: true, restartCount: 0, state: { running: {} } }] },
});

test("a large list's Table is streamed, each row made only when its piece is", async () => {
  const n = 3000;
  const asked: number[] = [];
  const body = tableListBody(pods, { metadata: { resourceVersion: "42" }, count: n, item: (i) => (asked.push(i), { object: pod(i), json: i % 2 ? JSON.stringify(pod(i)) : undefined }) }, "Metadata");
  expect(body).toBeInstanceOf(ReadableStream);
  const reader = (body as ReadableStream<Uint8Array>).getReader();
  const pieces: Uint8Array[] = [];
  const first = await reader.read();
  pieces.push(first.value!);
  // Only the first piece's rows exist yet.
  expect(asked.length).toBeLessThan(n / 2);
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    pieces.push(value);
  }
  expect(asked).toEqual(Array.from({ length: n }, (_, i) => i));
  const streamed = JSON.parse(Buffer.concat(pieces).toString());
  const whole = JSON.parse(JSON.stringify(toTable(pods, Array.from({ length: n }, (_, i) => pod(i)), "Metadata", { resourceVersion: "42" })));
  expect(streamed).toEqual(whole);
  expect(streamed.rows).toHaveLength(n);
});

test("a small list's Table is one string, the same as the whole Table", () => {
  const body = tableListBody(pods, { metadata: { resourceVersion: "7", continue: "abc" }, count: 2, item: (i) => ({ object: pod(i) }) }, "None");
  expect(typeof body).toBe("string");
  expect(JSON.parse(body as string)).toEqual(JSON.parse(JSON.stringify(toTable(pods, [pod(0), pod(1)], "None", { resourceVersion: "7", continue: "abc" }))));
  const empty = JSON.parse(tableListBody(pods, { metadata: { resourceVersion: "7" }, count: 0, item: (i) => ({ object: pod(i) }) }, "None") as string);
  expect([empty.kind, empty.rows, empty.columnDefinitions.length > 0]).toEqual(["Table", [], true]);
});
