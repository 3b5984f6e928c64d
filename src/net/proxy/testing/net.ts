/** Small socket helpers for the proxy's tests: id servers, a line client, UDP echo. */
import type { Socket, TCPSocketListener } from "bun";

/** A TCP server that answers each chunk with `id`; `conns` counts accepted connections. */
export function idServer(hostname: string, id: string): TCPSocketListener<undefined> & { conns: number } {
  const s = Bun.listen({
    hostname,
    port: 0,
    socket: {
      open() {
        (s as any).conns++;
      },
      data(sock) {
        sock.write(id);
      },
    },
  }) as TCPSocketListener<undefined> & { conns: number };
  s.conns = 0;
  return s;
}

/** A connection that sends a line per `ask` and resolves with the reply. */
export async function lineClient(hostname: string, port: number): Promise<{ ask(): Promise<string>; close(): void }> {
  let waiting: ((s: string) => void) | undefined;
  const sock = await Bun.connect({
    hostname,
    port,
    socket: {
      data(_s, d) {
        const w = waiting;
        waiting = undefined;
        w?.(d.toString());
      },
      close() {
        waiting?.("<closed>");
      },
    },
  });
  return {
    ask() {
      return new Promise((resolve) => {
        waiting = resolve;
        sock.write("?\n");
      });
    },
    close: () => sock.end(),
  };
}

/** One request on a new connection; "<closed>" when the proxy closed it without a reply. */
export async function askOnce(hostname: string, port: number): Promise<string> {
  const c = await lineClient(hostname, port);
  const r = await c.ask();
  c.close();
  return r;
}

/** UDP server answering `${id}:${payload}`, after `delayMs` if given. */
export async function udpEcho(hostname: string, id: string, delayMs = 0) {
  return Bun.udpSocket({
    hostname,
    port: 0,
    socket: {
      data(s, d, port, addr) {
        const reply = `${id}:${d.toString()}`;
        if (delayMs) setTimeout(() => s.send(reply, port, addr), delayMs);
        else s.send(reply, port, addr);
      },
    },
  });
}

/** Sends one datagram from a fresh socket and waits for one reply (or "<timeout>"). */
export async function udpAsk(hostname: string, port: number, msg: string, timeoutMs = 2000): Promise<string> {
  let done!: (s: string) => void;
  const got = new Promise<string>((r) => (done = r));
  // Without an error handler Bun raises a datagram's ICMP "port unreachable" as an uncaught error.
  const s = await Bun.udpSocket({ socket: { data: (_s, d) => done(d.toString()), error: () => {} } });
  s.send(msg, port, hostname);
  const t = setTimeout(() => done("<timeout>"), timeoutMs);
  const r = await got;
  clearTimeout(t);
  s.close();
  return r;
}

export function closeAll(socks: { stop?(b?: boolean): void; close?(): void }[]): void {
  for (const s of socks) (s.stop ? s.stop(true) : s.close?.());
}

export type { Socket };
