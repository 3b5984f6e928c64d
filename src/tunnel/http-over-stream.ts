/**
 * One HTTP/1.1 request over a tunnel stream, answered as a web Response whose body streams as
 * the bytes arrive. node:http does the HTTP (it takes any Duplex as its connection), so
 * chunked bodies, and later upgrades, need no parser of our own. Cancelling the body, or
 * aborting `signal`, destroys the stream, which tells the agent to stop.
 */
import http from "node:http";
import type { Duplex } from "node:stream";

export interface StreamRequestInit {
  method?: string;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export function requestOverStream(stream: Duplex, path: string, init: StreamRequestInit = {}): Promise<Response> {
  return new Promise<Response>((resolve, reject) => {
    if (init.signal?.aborted) {
      stream.destroy();
      reject(init.signal.reason ?? new Error("aborted"));
      return;
    }
    const req = http.request({
      method: init.method ?? "GET",
      path,
      // The Host header is what the agent sees; the tunnel, not DNS, picks the node.
      headers: { host: "agent", connection: "close", ...init.headers },
      createConnection: () => stream as any,
    });
    const abort = () => {
      req.destroy();
      stream.destroy();
    };
    init.signal?.addEventListener("abort", abort, { once: true });
    req.on("error", (e) => {
      init.signal?.removeEventListener("abort", abort);
      reject(e);
    });
    req.on("response", (res) => {
      const headers = new Headers();
      for (let i = 0; i < res.rawHeaders.length; i += 2) headers.append(res.rawHeaders[i]!, res.rawHeaders[i + 1]!);
      let finished = false;
      const finish = (controller: ReadableStreamDefaultController<Uint8Array>, error?: Error) => {
        if (finished) return;
        finished = true;
        init.signal?.removeEventListener("abort", abort);
        if (error) controller.error(error);
        else controller.close();
        stream.destroy();
      };
      const status = res.statusCode ?? 502;
      if (status === 204 || status === 304) {
        res.resume();
        init.signal?.removeEventListener("abort", abort);
        resolve(new Response(null, { status, statusText: res.statusMessage, headers }));
        return;
      }
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          res.on("data", (chunk: Buffer) => {
            if (finished) return;
            controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
            if ((controller.desiredSize ?? 1) <= 0) res.pause();
          });
          res.on("end", () => finish(controller));
          res.on("error", (e) => finish(controller, e));
          res.on("aborted", () => finish(controller, new Error("the agent's response was cut off")));
        },
        pull() {
          res.resume();
        },
        cancel() {
          finished = true;
          init.signal?.removeEventListener("abort", abort);
          abort();
        },
      }, { highWaterMark: 4 });
      resolve(new Response(body, { status, statusText: res.statusMessage, headers }));
    });
    req.end();
  });
}
