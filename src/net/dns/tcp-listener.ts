/**
 * DNS over TCP (RFC 7766): 2-octet length-prefixed messages, several per connection and
 * pipelined — each answered as soon as it is ready, so replies may come out of order, which
 * §6.2.1.1 allows. Bun's `write` may write part of a buffer and keeps nothing (oven-sh/bun#16076):
 * the rest waits for `drain`. Idle connections close after `idleSeconds`.
 */
import type { Socket, TCPSocketListener } from "bun";
import type { Reply } from "./query-handler.ts";

interface Conn {
  inbox: Buffer;
  outbox: Buffer[];
  closed: boolean;
}

export interface TcpListenerOptions {
  hostname: string;
  port: number;
  handle: (msg: Buffer) => Reply;
  idleSeconds?: number;
}

function flush(s: Socket<Conn>): void {
  const c = s.data;
  while (c.outbox.length) {
    const head = c.outbox[0]!;
    const n = s.write(head);
    if (n < head.length) {
      c.outbox[0] = head.subarray(Math.max(0, n));
      return;
    }
    c.outbox.shift();
  }
}

function send(s: Socket<Conn>, msg: Buffer): void {
  if (s.data.closed) return;
  const framed = Buffer.allocUnsafe(msg.length + 2);
  framed.writeUInt16BE(msg.length, 0);
  msg.copy(framed, 2);
  s.data.outbox.push(framed);
  if (s.data.outbox.length === 1) flush(s);
}

export function listenTcp(o: TcpListenerOptions): TCPSocketListener<Conn> {
  const idle = o.idleSeconds ?? 10;
  return Bun.listen<Conn>({
    hostname: o.hostname,
    port: o.port,
    socket: {
      open(s) {
        s.data = { inbox: Buffer.alloc(0), outbox: [], closed: false };
        s.timeout(idle);
      },
      data(s, chunk) {
        const c = s.data;
        c.inbox = c.inbox.length ? Buffer.concat([c.inbox, chunk]) : Buffer.from(chunk);
        s.timeout(idle);
        while (c.inbox.length >= 2) {
          const len = c.inbox.readUInt16BE(0);
          if (c.inbox.length < 2 + len) break;
          const msg = c.inbox.subarray(2, 2 + len);
          c.inbox = c.inbox.subarray(2 + len);
          let reply: Reply;
          try {
            reply = o.handle(msg);
          } catch {
            reply = undefined;
          }
          if (reply instanceof Promise) reply.then((r) => r && send(s, r), () => {});
          else if (reply) send(s, reply);
        }
      },
      drain(s) {
        flush(s);
      },
      timeout(s) {
        s.end();
      },
      close(s) {
        if (s.data) s.data.closed = true;
      },
      error(s) {
        if (s.data) s.data.closed = true;
      },
    },
  });
}
