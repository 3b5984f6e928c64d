import { afterAll, describe, expect, test } from "bun:test";
import { StatusError } from "../model/errors.ts";
import { RestClient, toStatusError, WatchIdleError } from "./rest-client.ts";

/** Plain HTTP: what is under test is framing, headers and error decoding; TLS is covered by test/integration/ctl.test.ts. */
const seen: { method: string; url: string; headers: Headers; body: string }[] = [];
const enc = new TextEncoder();
const srv = Bun.serve({
  port: 0,
  hostname: "127.0.0.1",
  async fetch(req) {
    const url = new URL(req.url);
    seen.push({ method: req.method, url: url.pathname + url.search, headers: req.headers, body: await req.text() });
    switch (url.pathname) {
      case "/ok":
        return Response.json({ kind: "Thing", echo: url.searchParams.get("labelSelector") });
      case "/empty":
        return new Response(null, { status: 204 });
      case "/status":
        return Response.json({ kind: "Status", apiVersion: "v1", status: "Failure", code: 409, reason: "AlreadyExists", message: 'pods "a" already exists', details: { name: "a", kind: "pods" } }, { status: 409 });
      case "/html":
        return new Response("<html>bad gateway</html>\n", { status: 502 });
      case "/plain404":
        return new Response("404 page not found\n", { status: 404 });
      case "/watch": {
        // Events split mid-line and several in one chunk, as a real stream may deliver them.
        const lines = [
          JSON.stringify({ type: "ADDED", object: { metadata: { name: "a" } } }) + "\n",
          JSON.stringify({ type: "MODIFIED", object: { metadata: { name: "a" } } }) + "\n" + JSON.stringify({ type: "BOOKMARK", object: { metadata: { resourceVersion: "9" } } }) + "\n",
        ];
        const chunks = [lines[0]!.slice(0, 10), lines[0]!.slice(10), lines[1]!];
        if (url.searchParams.get("resourceVersion") === "1") chunks.push(JSON.stringify({ type: "ERROR", object: { kind: "Status", code: 410, reason: "Expired", message: "too old resource version: 1 (5)" } }) + "\n");
        return new Response(new ReadableStream({ start(c) { for (const ch of chunks) c.enqueue(enc.encode(ch)); c.close(); } }));
      }
      case "/watch-ticking": {
        // A bookmark every 100 ms for 1 s, then the end: a watch that is slow but alive.
        let n = 0;
        return new Response(new ReadableStream({
          async pull(c) {
            await Bun.sleep(100);
            if (++n > 10) return c.close();
            c.enqueue(enc.encode(JSON.stringify({ type: "BOOKMARK", object: { metadata: { resourceVersion: String(n) } } }) + "\n"));
          },
        }));
      }
      case "/watch-forever":
        return new Response(new ReadableStream({ start(c) { c.enqueue(enc.encode(JSON.stringify({ type: "ADDED", object: { metadata: { name: "x" } } }) + "\n")); } }));
      default:
        return new Response("nope", { status: 500 });
    }
  },
});
afterAll(() => srv.stop(true));

const client = (over: object = {}) => new RestClient({ server: `http://127.0.0.1:${srv.port}/`.replace(/\/$/, ""), path: "test", ...over });

describe("request", () => {
  test("JSON in and out, query encoding, bearer token, content type", async () => {
    const got = await client({ token: "t0k" }).request("/ok", { method: "PATCH", body: { a: 1 }, contentType: "application/merge-patch+json", query: { labelSelector: "app in (a,b)", empty: "", none: undefined } });
    expect(got).toEqual({ kind: "Thing", echo: "app in (a,b)" });
    const req = seen.at(-1)!;
    expect(req.method).toBe("PATCH");
    expect(req.url).toBe("/ok?labelSelector=app+in+%28a%2Cb%29");
    expect(req.headers.get("authorization")).toBe("Bearer t0k");
    expect(req.headers.get("content-type")).toBe("application/merge-patch+json");
    expect(JSON.parse(req.body)).toEqual({ a: 1 });
  });

  test("an empty body is undefined", async () => {
    expect(await client().request("/empty")).toBeUndefined();
  });

  test.each([
    ["/status", 409, "AlreadyExists", 'pods "a" already exists'],
    ["/html", 502, "InternalError", "<html>bad gateway</html>"],
    ["/plain404", 404, "NotFound", "404 page not found"],
  ])("%s is a StatusError", async (path, code, reason, message) => {
    const e = await client().request(path).catch((x) => x);
    expect(e).toBeInstanceOf(StatusError);
    expect([e.code, e.reason, e.message]).toEqual([code, reason, message]);
  });

  test("an unreachable server is an error naming it, with the cause kept", async () => {
    const e = await new RestClient({ server: "http://127.0.0.1:1", path: "x" }).request("/version").catch((x) => x);
    expect(e.message).toStartWith("cannot reach the server at http://127.0.0.1:1");
    expect(e.cause).toBeDefined();
  });
});

describe("watch", () => {
  test("events across chunk boundaries, in order, with watch=1", async () => {
    const out: string[] = [];
    for await (const ev of client().watch("/watch")) out.push(ev.type);
    expect(out).toEqual(["ADDED", "MODIFIED", "BOOKMARK"]);
    expect(seen.at(-1)!.url).toBe("/watch?watch=1");
  });

  test("an ERROR event is thrown as its Status", async () => {
    const out: string[] = [];
    const e = await (async () => {
      for await (const ev of client().watch("/watch", { query: { resourceVersion: 1 } })) out.push(ev.type);
    })().catch((x) => x);
    expect(out).toEqual(["ADDED", "MODIFIED", "BOOKMARK"]);
    expect(e).toBeInstanceOf(StatusError);
    expect([e.code, e.reason]).toEqual([410, "Expired"]);
  });

  test("aborting ends a stream the server keeps open", async () => {
    const ac = new AbortController();
    const it = client().watch("/watch-forever", { signal: ac.signal });
    expect((await it.next()).value?.object.metadata.name).toBe("x");
    const pending = it.next();
    ac.abort();
    const r = await pending.catch((x) => x);
    expect(r instanceof Error || r.done === true).toBe(true);
  });

  test("a watch with bookmarks that hears nothing for watchIdleMs is given up with WatchIdleError", async () => {
    const it = new RestClient({ server: `http://127.0.0.1:${srv.port}`, path: "test" }, undefined, { watchIdleMs: 300 }).watch("/watch-forever", { query: { allowWatchBookmarks: true } });
    expect((await it.next()).value?.object.metadata.name).toBe("x");
    const t0 = Date.now();
    const e = await it.next().catch((x) => x);
    expect(e).toBeInstanceOf(WatchIdleError);
    expect(e.message).toBe("watch /watch-forever: nothing from the server for 0.3 s, though it sends bookmarks; the connection is taken for dead");
    expect(Date.now() - t0).toBeLessThan(5_000);
  });

  test("the silence is counted from the last bytes heard, not from the start", async () => {
    const out: string[] = [];
    for await (const ev of new RestClient({ server: `http://127.0.0.1:${srv.port}`, path: "test" }, undefined, { watchIdleMs: 300 }).watch("/watch-ticking", { query: { allowWatchBookmarks: true } })) out.push(ev.object.metadata.resourceVersion);
    expect(out).toEqual(["1", "2", "3", "4", "5", "6", "7", "8", "9", "10"]);
  });

  test("a refused watch throws before any event", async () => {
    const e = await client().watch("/status").next().catch((x) => x);
    expect(e).toBeInstanceOf(StatusError);
    expect(e.reason).toBe("AlreadyExists");
  });
});

test("toStatusError falls back to the code's reason when a Status has none", () => {
  expect(toStatusError(422, { kind: "Status", code: 422, message: "bad" }, "").reason).toBe("Invalid");
});
