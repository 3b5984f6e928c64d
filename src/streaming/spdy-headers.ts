/**
 * SPDY/3 header blocks: name/value pairs (32-bit lengths, lowercase names, several values
 * joined by NUL) carried zlib-compressed with the spec's preset dictionary, ONE zlib stream
 * per direction for the whole connection (each block ends with a sync flush).
 *
 * Reading must follow the peer's stream, so it keeps a zlib inflater for the connection
 * (node:zlib streams are asynchronous: blocks are inflated one after another, in order).
 * Writing sends stored (uncompressed) deflate blocks: a valid zlib stream any peer inflates,
 * and synchronous — the few header bytes a stream opens with are not worth an async step.
 *
 * @example
 *   const out = new HeaderCompressor();
 *   frame.headerBlock = out.compress(encodeHeaderBlock({ streamtype: "stdin" }));
 *   const inflater = new HeaderDecompressor();
 *   const headers = decodeHeaderBlock(await inflater.decompress(frame.headerBlock));
 */
import zlib from "node:zlib";

/** SPDY/3 §2.6.10.1: length-prefixed header words, then a tail of common value text. */
const DICTIONARY_WORDS = [
  "options", "head", "post", "put", "delete", "trace", "accept", "accept-charset", "accept-encoding", "accept-language",
  "accept-ranges", "age", "allow", "authorization", "cache-control", "connection", "content-base", "content-encoding",
  "content-language", "content-length", "content-location", "content-md5", "content-range", "content-type", "date", "etag",
  "expect", "expires", "from", "host", "if-match", "if-modified-since", "if-none-match", "if-range", "if-unmodified-since",
  "last-modified", "location", "max-forwards", "pragma", "proxy-authenticate", "proxy-authorization", "range", "referer",
  "retry-after", "server", "te", "trailer", "transfer-encoding", "upgrade", "user-agent", "vary", "via", "warning",
  "www-authenticate", "method", "get", "status", "200 OK", "version", "HTTP/1.1", "url", "public", "set-cookie", "keep-alive",
  "origin",
];
const DICTIONARY_TAIL =
  "100101201202205206300302303304305306307402405406407408409410411412413414415416417502504505" +
  "203 Non-Authoritative Information204 No Content301 Moved Permanently400 Bad Request401 Unauthorized" +
  "403 Forbidden404 Not Found500 Internal Server Error501 Not Implemented503 Service Unavailable" +
  "Jan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec 00:00:00 Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMT" +
  "chunked,text/html,image/png,image/jpg,image/gif,application/xml,application/xhtml+xml,text/plain,text/javascript," +
  "publicprivatemax-age=gzip,deflate,sdchcharset=utf-8charset=iso-8859-1,utf-,*,enq=0.";

/** The 1423-byte preset dictionary every SPDY/3 header stream is compressed against. */
export const SPDY_DICTIONARY: Buffer = Buffer.concat([
  ...DICTIONARY_WORDS.flatMap((w) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(w.length);
    return [len, Buffer.from(w, "latin1")];
  }),
  Buffer.from(DICTIONARY_TAIL, "latin1"),
]);

export type HeaderMap = Record<string, string[]>;

/** The uncompressed block; names are lowercased (SPDY requires it), values NUL-joined. */
export function encodeHeaderBlock(headers: Record<string, string | string[]>): Buffer {
  const entries = Object.entries(headers);
  const parts: Buffer[] = [u32(entries.length)];
  for (const [name, value] of entries) {
    const n = Buffer.from(name.toLowerCase(), "utf8");
    const v = Buffer.from((Array.isArray(value) ? value : [value]).join("\0"), "utf8");
    parts.push(u32(n.length), n, u32(v.length), v);
  }
  return Buffer.concat(parts);
}

export class SpdyHeaderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SpdyHeaderError";
  }
}

export function decodeHeaderBlock(block: Buffer): HeaderMap {
  let at = 0;
  const take = (n: number): Buffer => {
    if (at + n > block.length) throw new SpdyHeaderError("header block cut short");
    const b = block.subarray(at, at + n);
    at += n;
    return b;
  };
  const count = take(4).readUInt32BE(0);
  const out: HeaderMap = {};
  for (let i = 0; i < count; i++) {
    const name = take(take(4).readUInt32BE(0)).toString("utf8").toLowerCase();
    const value = take(take(4).readUInt32BE(0)).toString("utf8");
    if (out[name]) throw new SpdyHeaderError(`header ${name} appears twice`);
    out[name] = value.split("\0");
  }
  return out;
}

/** The first value of a header, or "". */
export function headerOf(h: HeaderMap, name: string): string {
  return h[name.toLowerCase()]?.[0] ?? "";
}

const STORED_MAX = 0xffff;

/** An empty stored block: zlib's sync-flush marker. */
const SYNC_FLUSH = Buffer.from([0x00, 0x00, 0x00, 0xff, 0xff]);

/**
 * Writes the connection's outgoing header zlib stream as stored blocks (see the file comment),
 * each header block followed by the sync-flush marker as zlib's Z_SYNC_FLUSH writes it. Go's
 * inflater hands out a stored block's bytes only at such a flush point: without it, it goes
 * on to read the next block header past the end of the frame and fails the connection.
 */
export class HeaderCompressor {
  private started = false;

  compress(block: Buffer): Buffer {
    const parts: Buffer[] = [];
    if (!this.started) {
      // CMF 0x78 (deflate, 32 KiB window), FLG 0x01: no preset dictionary is needed to read stored blocks.
      parts.push(Buffer.from([0x78, 0x01]));
      this.started = true;
    }
    for (let at = 0; at < block.length; at += STORED_MAX) {
      const piece = block.subarray(at, at + STORED_MAX);
      const h = Buffer.alloc(5);
      h[0] = 0; // BFINAL 0, BTYPE 00 (stored): the stream goes on with the next block.
      h.writeUInt16LE(piece.length, 1);
      h.writeUInt16LE(~piece.length & 0xffff, 3);
      parts.push(h, piece);
    }
    parts.push(SYNC_FLUSH);
    return Buffer.concat(parts);
  }
}

/** Reads the connection's incoming header zlib stream, one block at a time, in order. */
export class HeaderDecompressor {
  private readonly inflate = zlib.createInflate({ dictionary: SPDY_DICTIONARY });
  private out: Buffer[] = [];
  private failure: Error | undefined;
  private chain: Promise<unknown> = Promise.resolve();

  constructor() {
    this.inflate.on("data", (c: Buffer) => this.out.push(c));
    this.inflate.on("error", (e: Error) => (this.failure = e));
  }

  decompress(compressed: Buffer): Promise<Buffer> {
    const run = this.chain.then(
      () =>
        new Promise<Buffer>((resolve, reject) => {
          if (this.failure) return reject(new SpdyHeaderError(`header stream broken earlier: ${this.failure.message}`));
          // A broken stream errors instead of calling back the flush.
          const onError = (e: Error) => reject(new SpdyHeaderError(`header block does not inflate: ${e.message}`));
          this.inflate.once("error", onError);
          this.inflate.write(compressed);
          this.inflate.flush(zlib.constants.Z_SYNC_FLUSH, () => {
            this.inflate.off("error", onError);
            if (this.failure) return reject(new SpdyHeaderError(`header block does not inflate: ${this.failure.message}`));
            const b = Buffer.concat(this.out);
            this.out = [];
            resolve(b);
          });
        }),
    );
    this.chain = run.catch(() => {});
    return run;
  }

  close(): void {
    this.inflate.close();
  }
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}
