/**
 * An HTTP/1.1 message body's framing, undone as bytes arrive: a Content-Length counted down,
 * or chunked coding (RFC 9112 §7.1) read chunk by chunk, extensions and trailers read and
 * dropped. What comes after the body's end belongs to the next message on the connection and
 * is handed back. The API's server reads request bodies with it, the keep-alive client answers.
 */

/** How the message says its body ends. */
export type BodyFraming = { kind: "none" } | { kind: "length"; length: number } | { kind: "chunked" };

/** The body's framing is broken: the connection cannot be read on (the server answers 400). */
export class FramingError extends Error {
  override name = "FramingError";
}

/** The longest chunk-size line or trailer section taken: a client cannot make the server hoard. */
const MAX_LINE_BYTES = 4096;
const MAX_TRAILER_BYTES = 16 * 1024;

export interface Decoded {
  /** Body bytes in this chunk (views into it, not copies). */
  data: Buffer[];
  /** The body is complete; `rest` holds what followed it. */
  done: boolean;
  rest?: Buffer;
}

type State = "size" | "data" | "data-crlf" | "trailer" | "done";

export class BodyDecoder {
  private remaining: number;
  private readonly chunked: boolean;
  private state: State;
  private line = "";
  private trailerBytes = 0;

  constructor(framing: BodyFraming) {
    this.chunked = framing.kind === "chunked";
    this.remaining = framing.kind === "length" ? framing.length : 0;
    this.state = framing.kind === "none" ? "done" : this.chunked ? "size" : "data";
  }

  get done(): boolean {
    return this.state === "done";
  }

  feed(chunk: Buffer): Decoded {
    const data: Buffer[] = [];
    let at = 0;
    while (at < chunk.length && this.state !== "done") {
      if (this.state === "data") {
        const take = Math.min(this.remaining, chunk.length - at);
        data.push(chunk.subarray(at, at + take));
        at += take;
        this.remaining -= take;
        if (this.remaining === 0) this.state = this.chunked ? "data-crlf" : "done";
        continue;
      }
      const nl = chunk.indexOf(10, at);
      const end = nl < 0 ? chunk.length : nl + 1;
      this.line += chunk.toString("latin1", at, end);
      at = end;
      if (this.line.length > MAX_LINE_BYTES) throw new FramingError("chunked body: line too long");
      if (this.state === "data-crlf" && !"\r\n".startsWith(this.line)) throw new FramingError("chunked body: chunk not followed by CRLF");
      if (nl < 0) break;
      if (!this.line.endsWith("\r\n")) throw new FramingError("chunked body: line not ended by CRLF");
      const line = this.line.slice(0, -2);
      this.line = "";
      this.endOfLine(line);
    }
    if (this.state !== "done") return { data, done: false };
    return { data, done: true, rest: at < chunk.length ? chunk.subarray(at) : undefined };
  }

  private endOfLine(line: string): void {
    switch (this.state) {
      case "size": {
        const size = line.split(";")[0]!.trim();
        if (!/^[0-9a-fA-F]{1,12}$/.test(size)) throw new FramingError("chunked body: bad chunk size");
        this.remaining = parseInt(size, 16);
        this.state = this.remaining === 0 ? "trailer" : "data";
        return;
      }
      case "data-crlf":
        if (line !== "") throw new FramingError("chunked body: chunk not followed by CRLF");
        this.state = "size";
        return;
      case "trailer":
        this.trailerBytes += line.length + 2;
        if (this.trailerBytes > MAX_TRAILER_BYTES) throw new FramingError("chunked body: trailer too large");
        if (line === "") this.state = "done";
        return;
    }
  }
}
