import { expect, test } from "bun:test";
import zlib from "node:zlib";
import { acceptsGzip, gunzipCapped, gzipStream, GZIP_THRESHOLD_BYTES, negotiatedResponse } from "./gzip-body.ts";

const req = (acceptEncoding?: string) => new Request("https://k3rs.test/api/v1/pods", { headers: acceptEncoding ? { "accept-encoding": acceptEncoding } : {} });

test("Accept-Encoding is read as the apiserver reads it: a token that is exactly gzip", () => {
  expect([acceptsGzip("gzip"), acceptsGzip("deflate, gzip"), acceptsGzip(" gzip ,br"), acceptsGzip("gzip, deflate, br")]).toEqual([true, true, true, true]);
  expect([acceptsGzip(null), acceptsGzip(""), acceptsGzip("deflate"), acceptsGzip("x-gzip"), acceptsGzip("gzip;q=0.5"), acceptsGzip("identity")]).toEqual([false, false, false, false, false, false]);
});

test("a body over 128 KiB is gzipped for a client that accepts it; a small one, or one for a client that does not, is sent as it is", async () => {
  const big = JSON.stringify({ items: "x".repeat(GZIP_THRESHOLD_BYTES + 1) });
  const zipped = negotiatedResponse(req("gzip"), big, { "content-type": "application/json" });
  expect([zipped.headers.get("content-encoding"), zipped.headers.get("vary"), zipped.headers.get("content-type")]).toEqual(["gzip", "Accept-Encoding", "application/json"]);
  const bytes = new Uint8Array(await zipped.arrayBuffer());
  expect(bytes.byteLength).toBeLessThan(big.length / 10);
  expect(Buffer.from(Bun.gunzipSync(bytes)).toString()).toBe(big);

  for (const [r, body] of [[req("gzip"), "{}"], [req(), big], [req("br"), big]] as const) {
    const plain = negotiatedResponse(r, body, { "content-type": "application/json" });
    expect(plain.headers.get("content-encoding")).toBeNull();
    expect(await plain.text()).toBe(body);
  }
});

test("a streamed body becomes one gzip stream, a compressed piece for each piece pulled", async () => {
  const pieces = Array.from({ length: 20 }, (_, i) => `{"piece":${i},"pad":"${String(i).repeat(50_000)}"}`);
  let pulled = 0;
  const source = new ReadableStream<Uint8Array>({
    pull(c) {
      if (pulled < pieces.length) c.enqueue(new TextEncoder().encode(pieces[pulled++]!));
      else c.close();
    },
  }, { highWaterMark: 0 });
  const reader = gzipStream(source).getReader();
  const out: Uint8Array[] = [];
  const first = await reader.read();
  out.push(first.value!);
  expect(pulled).toBeLessThan(3);
  // Each flushed piece is decodable on its own: a client sees the list as it comes.
  expect(zlib.gunzipSync(out[0]!, { finishFlush: zlib.constants.Z_SYNC_FLUSH }).toString()).toBe(pieces[0]!);
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    out.push(value);
  }
  expect(Buffer.from(Bun.gunzipSync(Buffer.concat(out))).toString()).toBe(pieces.join(""));
});

test("gunzipCapped stops at the cap", () => {
  const z = Bun.gzipSync(Buffer.alloc(1_000_000, 97));
  expect(gunzipCapped(z, 100)).toBe("too-large");
  expect((gunzipCapped(z, 2_000_000) as Uint8Array).byteLength).toBe(1_000_000);
});

test("a streamed body's plain length is asked for only when it is sent plain", () => {
  let asked = 0;
  const length = () => (asked++, 5);
  const stream = () => new ReadableStream<Uint8Array>({ start: (c) => (c.enqueue(new TextEncoder().encode("hello")), c.close()) });
  const zipped = negotiatedResponse(req("gzip"), stream(), { "content-type": "application/json" }, length);
  expect([zipped.headers.get("content-encoding"), zipped.headers.get("content-length"), asked]).toEqual(["gzip", null, 0]);
  const plain = negotiatedResponse(req(), stream(), { "content-type": "application/json" }, length);
  expect([plain.headers.get("content-encoding"), plain.headers.get("content-length"), asked]).toEqual([null, "5", 1]);
});
