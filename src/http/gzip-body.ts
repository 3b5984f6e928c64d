/**
 * Response compression as kube-apiserver does it (APIResponseCompression, on by default): a
 * body over 128 KiB is sent gzipped, at level 1, to a client whose Accept-Encoding names
 * `gzip` — which client-go's transport does by itself, so kubectl gets it without asking. A
 * list of 10,000 Pods is 75 MB of JSON and a few MB gzipped: on a remote link that is the
 * difference between seconds and a fraction of one. A streamed body is compressed piece by
 * piece as the connection takes it, one gzip stream flushed after each piece.
 */
import zlib from "node:zlib";

/** The apiserver's defaultGzipThresholdBytes. */
export const GZIP_THRESHOLD_BYTES = 128 * 1024;

/** As the apiserver reads Accept-Encoding: a comma-separated token that is exactly `gzip`. */
export function acceptsGzip(acceptEncoding: string | null): boolean {
  if (!acceptEncoding) return false;
  return acceptEncoding.split(",").some((token) => token.trim() === "gzip");
}

/**
 * A response for `body`, gzipped when the request accepts it and the body is large: a string
 * over the threshold, or a stream (only large bodies are streamed, see handlers/list-body.ts).
 * `plainLength`, for a stream that is sent as it is: its length in bytes, asked for only then
 * (a 10,000-Pod list's costs a pass over 75 MB that a gzipped answer does not need).
 */
export function negotiatedResponse(req: Request, body: string | ReadableStream<Uint8Array>, headers: Record<string, string>, plainLength?: () => number): Response {
  const large = typeof body !== "string" || body.length > GZIP_THRESHOLD_BYTES;
  if (!large || !acceptsGzip(req.headers.get("accept-encoding"))) {
    if (typeof body !== "string" && plainLength) headers = { ...headers, "content-length": String(plainLength()) };
    return new Response(body, { headers });
  }
  const zipped = typeof body === "string" ? Bun.gzipSync(body, { level: 1 }) : gzipStream(body);
  return new Response(zipped, { headers: { ...headers, "content-encoding": "gzip", vary: "Accept-Encoding" } });
}

/** `source` as one gzip stream, each of its pieces compressed and flushed when pulled. */
export function gzipStream(source: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
  const reader = source.getReader();
  const gzip = zlib.createGzip({ level: 1 });
  let out: Buffer[] = [];
  gzip.on("data", (b: Buffer) => out.push(b));
  const take = (): Uint8Array => {
    const bytes = out.length === 1 ? out[0]! : Buffer.concat(out);
    out = [];
    return bytes;
  };
  return new ReadableStream<Uint8Array>(
    {
      async pull(ctrl) {
        const { value, done } = await reader.read();
        if (done) {
          await new Promise<void>((resolve) => {
            gzip.once("end", resolve);
            gzip.end();
          });
          if (out.length) ctrl.enqueue(take());
          return ctrl.close();
        }
        gzip.write(value);
        await new Promise<void>((resolve) => gzip.flush(zlib.constants.Z_SYNC_FLUSH, () => resolve()));
        if (out.length) ctrl.enqueue(take());
      },
      cancel(reason) {
        gzip.destroy();
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}

/** What a gzipped body holds, or "too-large" past `maxBytes` (a few MB of gzip can hold GBs). */
export function gunzipCapped(bytes: Uint8Array, maxBytes: number): Uint8Array | "too-large" {
  try {
    return zlib.gunzipSync(bytes, { maxOutputLength: Math.max(1, maxBytes) });
  } catch {
    return "too-large";
  }
}
