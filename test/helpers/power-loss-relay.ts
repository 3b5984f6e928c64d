/**
 * A TCP relay on loopback in front of a server, whose connections can be lost the way a server
 * box's power loss loses them: after `forget()`, every connection open then is unknown to the
 * server side (the relay lets go of its upstream), and the client is not told — no FIN, no RST
 * — until it sends something, which is answered with a reset, as a rebooted kernel answers a
 * segment for a connection it never had. A client that only reads (a watch) hears nothing,
 * forever. Connections made afterwards are relayed as usual: the server is back.
 *
 * `stall()` is a partition instead: every connection open then drops what either end sends,
 * and nothing is ever closed or reset — a request written there waits for an answer forever.
 *
 * Writes keep what the socket did not take and send it on `drain` (Bun's `write` is partial:
 * DESIGN.md).
 */
import type { Socket, TCPSocketListener } from "bun";

interface Side {
  role: "client" | "upstream";
  peer?: Socket<Side>;
  pending: Buffer[];
  /** Forgotten: the server side is gone and the client not told. */
  dead: boolean;
  /** Stalled: a partition; both ends' bytes are dropped. */
  stalled?: boolean;
  /** What the client sent before its upstream connected. */
  early: Buffer[];
}

export interface PowerLossRelay {
  port: number;
  /** Forgets every connection open now; later ones are relayed. Returns how many it forgot. */
  forget(): number;
  /** Stalls every connection open now (a partition that never heals for them); later ones are relayed. Returns how many. */
  stall(): number;
  stop(): void;
}

function send(to: Socket<Side>, data: Buffer): void {
  const d = to.data;
  if (d.pending.length) {
    d.pending.push(data);
    return;
  }
  const n = to.write(data);
  if (n < data.length) d.pending.push(data.subarray(Math.max(0, n)));
}

function flush(s: Socket<Side>): void {
  const d = s.data;
  while (d.pending.length) {
    const head = d.pending[0]!;
    const n = s.write(head);
    if (n < head.length) {
      d.pending[0] = head.subarray(Math.max(0, n));
      return;
    }
    d.pending.shift();
  }
}

export function startPowerLossRelay(targetPort: number): PowerLossRelay {
  /** Client sockets of live connections. */
  const live = new Set<Socket<Side>>();
  /** Every client socket, forgotten ones too: closed at stop. */
  const clients = new Set<Socket<Side>>();
  const listener: TCPSocketListener<Side> = Bun.listen<Side>({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      open(client) {
        client.data = { role: "client", pending: [], dead: false, early: [] };
        live.add(client);
        clients.add(client);
        void Bun.connect<Side>({
          hostname: "127.0.0.1",
          port: targetPort,
          socket: {
            open(up) {
              up.data = { role: "upstream", pending: [], dead: false, early: [], peer: client };
              if (client.data.dead) return void up.end();
              client.data.peer = up;
              for (const b of client.data.early) send(up, b);
              client.data.early = [];
            },
            data(up, b) {
              if (!up.data.dead && !client.data.stalled) send(client, Buffer.from(b));
            },
            drain: flush,
            close(up) {
              if (!up.data.dead && !client.data.stalled) client.end();
            },
            error() {},
          },
        }).catch(() => client.end());
      },
      data(client, b) {
        if (client.data.stalled) return;
        if (client.data.dead) return void client.terminate();
        if (client.data.peer) send(client.data.peer, Buffer.from(b));
        else client.data.early.push(Buffer.from(b));
      },
      drain: flush,
      close(client) {
        live.delete(client);
        clients.delete(client);
        if (!client.data.dead && !client.data.stalled) client.data.peer?.end();
      },
      error() {},
    },
  });
  return {
    port: listener.port,
    forget() {
      const n = live.size;
      for (const client of live) {
        client.data.dead = true;
        const up = client.data.peer;
        if (up) {
          up.data.dead = true;
          up.end();
        }
      }
      live.clear();
      return n;
    },
    stall() {
      const n = live.size;
      for (const client of live) client.data.stalled = true;
      live.clear();
      return n;
    },
    stop() {
      listener.stop(true);
      for (const c of clients) c.terminate();
    },
  };
}
