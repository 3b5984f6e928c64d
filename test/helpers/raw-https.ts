/**
 * A raw HTTP/1.1-over-TLS request, byte for byte as given: no URL normalisation (fetch and
 * every URL parser resolve `%2e%2e` and rewrite odd Host headers before they leave), so tests
 * can send what an attacker would. Resolves with the status line's code once it arrives.
 */
import net from "node:net";
import tls from "node:tls";

export interface TlsIdentity {
  ca?: string;
  cert?: string;
  key?: string;
}

export interface RawResult {
  /** The status code, or 0 when the connection ended without one. */
  status: number;
  /** Everything read, capped at `maxBytes`. */
  text: string;
  /** Why no status arrived: "closed", "timeout" or the socket's error message. */
  failure?: string;
}

export function rawHttps(port: number, request: string | Buffer, id: TlsIdentity = {}, o: { timeoutMs?: number; whole?: boolean; maxBytes?: number; /** Connect from this address (127.0.0.2: another source on loopback). */ localAddress?: string } = {}): Promise<RawResult> {
  const maxBytes = o.maxBytes ?? 64 * 1024;
  return new Promise((resolve) => {
    let text = "";
    let done = false;
    const finish = (failure?: string) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      resolve({ status: m ? Number(m[1]) : 0, text, failure: m ? undefined : failure ?? "closed" });
    };
    const socket = tls.connect({ host: "127.0.0.1", port, ca: id.ca, cert: id.cert, key: id.key, rejectUnauthorized: false, servername: "localhost", ...(o.localAddress ? { socket: net.connect({ host: "127.0.0.1", port, localAddress: o.localAddress }) } : {}) }, () => {
      socket.write(request);
    });
    const timer = setTimeout(() => finish("timeout"), o.timeoutMs ?? 10_000);
    socket.on("data", (chunk: Buffer) => {
      if (text.length < maxBytes) text += chunk.toString("latin1");
      // Only the status line matters unless the caller wants the whole answer.
      if (!o.whole && /^HTTP\/1\.[01] \d{3}[^\n]*\n/.test(text)) finish();
    });
    socket.on("end", () => finish());
    socket.on("close", () => finish());
    socket.on("error", (e) => finish(e.message));
  });
}
