import { expect, test } from "bun:test";
import { stripResponseHopByHop, upstreamRequestHeaders, upstreamWebSocketHeaders } from "./forward-headers.ts";

const client = { ip: "192.0.2.7", proto: "https" as const, port: 443 };

test("X-Forwarded-* are set from the connection, replacing what the client sent; Host passes", () => {
  const h = upstreamRequestHeaders(new Headers({ host: "app.test", "x-forwarded-for": "6.6.6.6", "x-forwarded-proto": "http", accept: "*/*" }), client);
  expect(h).toEqual({
    host: "app.test",
    accept: "*/*",
    "x-forwarded-for": "192.0.2.7",
    "x-real-ip": "192.0.2.7",
    "x-forwarded-proto": "https",
    "x-forwarded-port": "443",
    "x-forwarded-host": "app.test",
  });
});

test("hop-by-hop headers and those Connection names stay on their hop, both ways", () => {
  const req = upstreamRequestHeaders(new Headers({ connection: "keep-alive, X-Trace", "x-trace": "1", "keep-alive": "timeout=5", te: "trailers", "transfer-encoding": "chunked", "proxy-authorization": "Basic x", "x-kept": "1" }), client);
  expect(["connection", "x-trace", "keep-alive", "te", "transfer-encoding", "proxy-authorization"].filter((n) => n in req)).toEqual([]);
  expect(req["x-kept"]).toBe("1");
  const res = stripResponseHopByHop(new Headers({ connection: "close, x-internal", "x-internal": "1", "content-type": "text/plain", "transfer-encoding": "chunked" }));
  expect(Object.fromEntries(res)).toEqual({ "content-type": "text/plain" });
});

test("a WebSocket handshake to the backend carries the client's headers but not its Sec-WebSocket-*", () => {
  const h = upstreamWebSocketHeaders(new Headers({ host: "ws.test", cookie: "a=1", "sec-websocket-key": "k", "sec-websocket-version": "13", upgrade: "websocket", connection: "Upgrade" }), client);
  expect(h.cookie).toBe("a=1");
  expect(h.host).toBe("ws.test");
  expect(Object.keys(h).filter((k) => k.startsWith("sec-websocket-") || k === "upgrade" || k === "connection")).toEqual([]);
});
