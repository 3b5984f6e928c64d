import { expect, test } from "bun:test";
import { jsonListBody } from "./list-body.ts";

const list = (n: number, size: number) => ({ open: '{"kind":"ConfigMapList","items":[', items: Array.from({ length: n }, (_, i) => JSON.stringify({ i, pad: "x".repeat(size) })), close: "]}" });

test("a small list is one string", () => {
  const body = jsonListBody(list(3, 10));
  expect(typeof body).toBe("string");
  expect(JSON.parse(body as string).items.map((o: { i: number }) => o.i)).toEqual([0, 1, 2]);
  expect(JSON.parse(jsonListBody(list(0, 0)) as string)).toEqual({ kind: "ConfigMapList", items: [] });
});

test("a large list is streamed in pieces, one event-loop turn apart, that join to the same JSON", async () => {
  const big = list(2000, 1000);
  const body = jsonListBody(big);
  expect(body).toBeInstanceOf(ReadableStream);
  const reader = (body as ReadableStream<Uint8Array>).getReader();
  const pieces: Uint8Array[] = [];
  let turns = 0;
  for (;;) {
    let turned = false;
    setImmediate(() => (turned = true));
    const { value, done } = await reader.read();
    if (turned) turns++;
    if (done) break;
    pieces.push(value);
  }
  expect(pieces.length).toBeGreaterThan(5);
  expect(pieces.every((p) => p.byteLength <= 300 * 1024)).toBe(true);
  expect(turns).toBeGreaterThan(pieces.length / 2);
  const text = Buffer.concat(pieces).toString();
  expect(text).toBe(`${big.open}${big.items.join(",")}${big.close}`);
});
