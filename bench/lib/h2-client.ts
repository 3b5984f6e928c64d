/**
 * A minimal HTTP/2 client for benchmarks: one TLS connection (ALPN h2) carrying every request
 * as its own stream, as client-go does by default. Bun's fetch speaks HTTP/1.1 only.
 */
import http2 from "node:http2";

export interface H2Response {
  status: number;
  body: Buffer;
  protocol: string;
}

export interface H2Client {
  request(method: string, path: string, body?: string, headers?: Record<string, string>): Promise<H2Response>;
  close(): void;
}

/** Undefined when the server does not negotiate h2 (ALPN) or refuses the connection. */
export async function connectH2(base: string, tls: { ca: string; cert: string; key: string }): Promise<H2Client | undefined> {
  const session = http2.connect(base, { ...tls, ALPNProtocols: ["h2"] } as http2.SecureClientSessionOptions);
  const ok = await new Promise<boolean>((resolve) => {
    session.once("connect", () => resolve(true));
    session.once("error", () => resolve(false));
  });
  if (!ok) {
    session.destroy();
    return undefined;
  }
  session.on("error", () => {});
  return {
    request: (method, path, body, headers = {}) =>
      new Promise((resolve, reject) => {
        const stream = session.request({ ":method": method, ":path": path, ...headers });
        const chunks: Buffer[] = [];
        let status = 0;
        stream.on("response", (h) => (status = Number(h[":status"])));
        stream.on("data", (c: Buffer) => chunks.push(c));
        stream.on("end", () => resolve({ status, body: Buffer.concat(chunks), protocol: "h2" }));
        stream.on("error", reject);
        stream.end(body);
      }),
    close: () => session.close(),
  };
}
