import { describe, expect, test } from "bun:test";
import { HeadError, parseRequestHead } from "./request-head.ts";

const refused = (text: string) => {
  try {
    parseRequestHead(text);
  } catch (e) {
    return e instanceof HeadError ? e.status : `not a HeadError: ${e}`;
  }
  return "accepted";
};

describe("parseRequestHead", () => {
  test("a request line and headers: raw pairs as sent, lower-case names joined as node does", () => {
    const h = parseRequestHead("POST /api/v1/namespaces/default/configmaps?x=1 HTTP/1.1\r\nHost: a\r\nX-Multi: 1\r\nx-multi: 2\r\nContent-Length:  12 \r\nAccept: application/json");
    expect(h).toMatchObject({ method: "POST", target: "/api/v1/namespaces/default/configmaps?x=1", version: "1.1", keepAlive: true, upgrade: false, expectsContinue: false });
    expect(h.rawHeaders).toEqual(["Host", "a", "X-Multi", "1", "x-multi", "2", "Content-Length", "12", "Accept", "application/json"]);
    expect(h.headers).toEqual({ host: "a", "x-multi": "1, 2", "content-length": "12", accept: "application/json" });
    expect(h.body).toEqual({ kind: "length", length: 12 });
  });

  test("body framing: none, length, chunked; a zero length is none", () => {
    expect(parseRequestHead("GET / HTTP/1.1").body).toEqual({ kind: "none" });
    expect(parseRequestHead("PUT / HTTP/1.1\r\nContent-Length: 0").body).toEqual({ kind: "none" });
    expect(parseRequestHead("PUT / HTTP/1.1\r\nTransfer-Encoding: Chunked").body).toEqual({ kind: "chunked" });
    expect(parseRequestHead("PUT / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 5").body).toEqual({ kind: "length", length: 5 });
  });

  test("persistence and upgrades", () => {
    expect(parseRequestHead("GET / HTTP/1.1\r\nConnection: close").keepAlive).toBe(false);
    expect(parseRequestHead("GET / HTTP/1.0").keepAlive).toBe(false);
    expect(parseRequestHead("GET / HTTP/1.0\r\nConnection: Keep-Alive").keepAlive).toBe(true);
    expect(parseRequestHead("GET / HTTP/1.1\r\nConnection: keep-alive, Upgrade\r\nUpgrade: websocket").upgrade).toBe(true);
    expect(parseRequestHead("GET / HTTP/1.1\r\nUpgrade: websocket").upgrade).toBe(false);
    expect(parseRequestHead("PUT / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 1").expectsContinue).toBe(true);
  });

  test("what smuggling and injection are made of is refused, with Go's status codes", () => {
    expect(refused("PUT / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked")).toBe(400);
    expect(refused("PUT / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6")).toBe(400);
    expect(refused("PUT / HTTP/1.1\r\nContent-Length: -1")).toBe(400);
    expect(refused("PUT / HTTP/1.1\r\nContent-Length: 1e3")).toBe(400);
    expect(refused("PUT / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked")).toBe(501);
    expect(refused("GET / HTTP/1.1\r\nHost : a")).toBe(400);
    expect(refused("GET / HTTP/1.1\r\nX: a\r\n folded")).toBe(400);
    expect(refused("GET / HTTP/1.1\r\nX: a\rb")).toBe(400);
    expect(refused("GET / HTTP/1.1\r\nX: a\nY: b")).toBe(400);
    expect(refused("GET / HTTP/1.1\r\nX: a\x00")).toBe(400);
    expect(refused("GET / HTTP/1.1\r\nnocolon")).toBe(400);
    expect(refused("GET / HTTP/2.0")).toBe(505);
    expect(refused("GET / HTTX/1.1")).toBe(400);
    expect(refused("GET  HTTP/1.1")).toBe(400);
    expect(refused("G(T / HTTP/1.1")).toBe(400);
    expect(refused("GET /a b HTTP/1.1")).toBe(400);
    expect(refused("GET")).toBe(400);
  });
});
