/**
 * A Bun UDP socket that stays up. Bun's UDP sockets have had bugs where an ICMP error (a
 * client that closed its port before our reply) closes the socket or loses the next datagram
 * (oven-sh/bun#18029, #29116, PR #36249): errors are logged and swallowed, a send never
 * throws, and a socket found closed is bound again on the same address — checked after every
 * error, before every send and by a one-second watchdog.
 */
import type { udp } from "bun";
import { log } from "../../log.ts";

/** Called for each datagram with the socket to answer on (valid even before open() resolves). */
export type DatagramHandler = (data: Buffer, port: number, address: string, socket: ResilientUdpSocket) => void;

export interface ResilientUdpOptions {
  hostname: string;
  /** 0 for an ephemeral port (re-binding then picks a new one). */
  port: number;
  onData: DatagramHandler;
  /** For logs. */
  name: string;
}

export class ResilientUdpSocket {
  private sock?: udp.Socket<"buffer">;
  private reopening?: Promise<void>;
  private closed = false;
  private readonly watchdog: ReturnType<typeof setInterval>;
  /** Times the socket was found closed and bound again. */
  reopened = 0;
  /** The port actually bound, kept across re-binds so clients keep reaching us. */
  private boundPort = 0;

  private constructor(private readonly o: ResilientUdpOptions) {
    this.watchdog = setInterval(() => this.check(), 1000);
    this.watchdog.unref?.();
  }

  static async open(o: ResilientUdpOptions): Promise<ResilientUdpSocket> {
    const s = new ResilientUdpSocket(o);
    try {
      s.sock = await s.bind(o.port);
      s.boundPort = s.sock.port;
    } catch (cause) {
      s.close();
      throw new Error(`binding UDP ${o.hostname}:${o.port} for ${o.name}`, { cause });
    }
    return s;
  }

  get port(): number {
    return this.sock?.port ?? 0;
  }

  private bind(port: number): Promise<udp.Socket<"buffer">> {
    const onData = this.o.onData;
    return Bun.udpSocket({
      hostname: this.o.hostname,
      port,
      binaryType: "buffer",
      socket: {
        data: (_s, data, rport, raddr) => {
          try {
            onData(data, rport, raddr, this);
          } catch (err) {
            log.warn("dns: datagram handler failed", { socket: this.o.name, error: String(err) });
          }
        },
        // Bun 1.4.5 passes the error first (the socket is `this`), unlike its typings; an
        // ICMP error arrives here through IP_RECVERR, and without this handler it is thrown
        // uncaught.
        error: (...args: unknown[]) => {
          const err = args.find((a) => a instanceof Error);
          log.debug("dns: UDP socket error", { socket: this.o.name, error: String(err ?? args[0]) });
          this.check();
        },
      },
    });
  }

  private check(): void {
    if (this.closed || this.reopening || !this.sock?.closed) return;
    this.reopening = (async () => {
      for (let attempt = 0; !this.closed; attempt++) {
        try {
          // An ephemeral socket whose port got taken meanwhile may move; a served one may not.
          this.sock = await this.bind(this.o.port === 0 && attempt > 2 ? 0 : this.boundPort);
          this.reopened++;
          log.warn("dns: UDP socket was closed, bound again", { socket: this.o.name, port: this.sock.port });
          return;
        } catch (err) {
          if (attempt === 0) log.warn("dns: re-binding UDP socket failed, retrying", { socket: this.o.name, error: String(err) });
          await Bun.sleep(Math.min(1000, 50 * 2 ** attempt));
        }
      }
    })().finally(() => (this.reopening = undefined));
  }

  /** Sends one datagram; false when it could not be sent (closed socket, full buffer). */
  send(data: Uint8Array, port: number, address: string): boolean {
    const s = this.sock;
    if (!s || s.closed) {
      this.check();
      return false;
    }
    // An ICMP error left pending on the socket (a client gone before its reply) fails the
    // NEXT send with ECONNREFUSED and that datagram is not sent (Linux reports sk_err on the
    // next call; measured on Bun 1.4.5). The failed call consumes the error: send again.
    for (let attempt = 0; attempt < 4; attempt++) {
      try {
        return s.send(data, port, address);
      } catch (err) {
        if (attempt === 3 || s.closed) {
          log.debug("dns: UDP send failed", { socket: this.o.name, error: String(err) });
          this.check();
          return false;
        }
      }
    }
    return false;
  }

  private batch: (Uint8Array | number | string)[] = [];
  private flushScheduled = false;

  /**
   * Queues a datagram and sends everything queued in one `sendMany` (sendmmsg) once the
   * current batch of received datagrams has been handled — one system call for many replies.
   */
  queue(data: Uint8Array, port: number, address: string): void {
    this.batch.push(data, port, address);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.flushScheduled = false;
    const batch = this.batch;
    this.batch = [];
    const s = this.sock;
    if (!batch.length || !s || s.closed) return;
    let sent = 0;
    try {
      sent = s.sendMany(batch);
    } catch {
      // A pending ICMP error failed the call (see send): send one by one from the first that
      // may not have gone out; at worst a client sees a duplicate, which resolvers ignore.
    }
    for (let i = sent * 3; i < batch.length; i += 3) this.send(batch[i] as Uint8Array, batch[i + 1] as number, batch[i + 2] as string);
  }

  /** For tests: the underlying socket, to close it behind our back. */
  get raw(): udp.Socket<"buffer"> | undefined {
    return this.sock;
  }

  close(): void {
    this.closed = true;
    clearInterval(this.watchdog);
    try {
      this.sock?.close();
    } catch {
      // already closed
    }
  }
}
