import { describe, expect, test } from "bun:test";
import { BodyDecoder, FramingError } from "./http1-body-decoder.ts";

/** Feeds `parts` one by one; returns the body and what followed it. */
function decode(framing: ConstructorParameters<typeof BodyDecoder>[0], parts: string[]): { body: string; done: boolean; rest: string } {
  const d = new BodyDecoder(framing);
  let body = "";
  let rest = "";
  let done = false;
  for (const p of parts) {
    const got = d.feed(Buffer.from(p, "latin1"));
    body += got.data.map((b) => b.toString("latin1")).join("");
    if (got.done) {
      done = true;
      rest += got.rest?.toString("latin1") ?? "";
    }
    if (done) break;
  }
  return { body, done, rest };
}

describe("BodyDecoder", () => {
  test("a Content-Length is counted down over any split; what follows is handed back", () => {
    expect(decode({ kind: "length", length: 5 }, ["he", "l", "loGET / HTTP/1.1"])).toEqual({ body: "hello", done: true, rest: "GET / HTTP/1.1" });
    expect(decode({ kind: "length", length: 5 }, ["hell"])).toEqual({ body: "hell", done: false, rest: "" });
  });

  test("chunked coding: sizes in hex, extensions and trailers dropped, split anywhere", () => {
    const wire = "5;ext=1\r\nhello\r\nA\r\n, world!!!\r\n0\r\nTrailer: x\r\n\r\nNEXT";
    expect(decode({ kind: "chunked" }, [wire])).toEqual({ body: "hello, world!!!", done: true, rest: "NEXT" });
    expect(decode({ kind: "chunked" }, wire.split(""))).toEqual({ body: "hello, world!!!", done: true, rest: "" });
  });

  test("broken chunked framing is a 400", () => {
    for (const wire of ["zz\r\n", "5\r\nhelloXX", "5\nhello\r\n", `${"1".repeat(13)}\r\n`, "0\r\n" + "T: x\r\n".repeat(4000)]) {
      const d = new BodyDecoder({ kind: "chunked" });
      let error: unknown;
      try {
        d.feed(Buffer.from(wire));
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(FramingError);
    }
  });
});
