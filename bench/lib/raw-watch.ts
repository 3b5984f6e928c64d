/**
 * Many watch streams from one benchmark process, each on its own socket, read as cheaply as
 * a client can: no HTTP parser, no JSON.parse per event, only a scan for the revision marker
 * each event carries. 1,000 watchers at 100 writes/s are 100,000 events/s on the client's
 * side; parsing each (node:https + JSON.parse, as bench/api.ts did) costs the client a core
 * of its own on a 2-core box, and then the client, not the server, is measured.
 *
 * An event's arrival is recorded as (revision, time); the writer records (revision, send
 * time); delivery latency is their difference, computed after the run.
 */
import type { Socket } from "bun";

export interface RawWatchTarget {
  port: number;
  /** The full request (head and body) written once the socket opens. */
  request: string;
  /** TLS client options (k3rs); absent: plain TCP (etcd's gateway). */
  tls?: { ca: string; cert: string; key: string };
  /** Text that appears once the watch is established (a status line, etcd's "created"). */
  readyMarker: string;
  /** Text that precedes each event's revision digits, e.g. `"resourceVersion":"`. */
  revisionMarker: string;
}

export interface RawWatchers {
  readonly ready: number;
  readonly arrivals: number;
  /** Delivery latencies (ms) for revisions the writer recorded, and how many a ready watcher never saw. */
  latencies(sent: Map<number, number>): { samples: number[]; missing: number };
  /** Watch connections that ended before close(): what "missing" deliveries went with. */
  readonly endedEarly: number;
  close(): void;
}

const MAX_EVENTS_PER_WATCHER = 4096;

export async function openRawWatchers(n: number, target: RawWatchTarget): Promise<RawWatchers> {
  let ready = 0;
  let arrivals = 0;
  const sockets: Socket<undefined>[] = [];
  const revs: Float64Array[] = [];
  const times: Float64Array[] = [];
  const counts = new Int32Array(n);
  const readyAt = new Uint8Array(n);
  let closing = false;
  let endedEarly = 0;

  const open = (i: number) => {
    revs[i] = new Float64Array(MAX_EVENTS_PER_WATCHER);
    times[i] = new Float64Array(MAX_EVENTS_PER_WATCHER);
    let tail = "";
    let isReady = false;
    return Bun.connect({
      hostname: "127.0.0.1",
      port: target.port,
      tls: target.tls ? { ca: target.tls.ca, cert: target.tls.cert, key: target.tls.key } : undefined,
      socket: {
        open(s) {
          s.write(target.request);
        },
        close() {
          if (!closing) endedEarly++;
        },
        data(_s, chunk) {
          const now = performance.now();
          // A marker may straddle two chunks: keep the end of the previous one.
          const text = tail + chunk.toString("latin1");
          let from = 0;
          if (!isReady) {
            const at = text.indexOf(target.readyMarker);
            if (at < 0) {
              tail = text.slice(-256);
              return;
            }
            isReady = true;
            readyAt[i] = 1;
            ready++;
            from = at + target.readyMarker.length;
          }
          for (;;) {
            const at = text.indexOf(target.revisionMarker, from);
            if (at < 0) break;
            const start = at + target.revisionMarker.length;
            const end = text.indexOf('"', start);
            if (end < 0) {
              from = at;
              break;
            }
            const c = counts[i]!;
            if (c < MAX_EVENTS_PER_WATCHER) {
              revs[i]![c] = Number(text.slice(start, end));
              times[i]![c] = now;
              counts[i] = c + 1;
            }
            arrivals++;
            from = end + 1;
          }
          tail = text.slice(Math.max(from, text.length - 64));
        },
      },
    });
  };

  // Opened in waves, each established before the next: a burst of 1,000 TLS handshakes only
  // measures the accept queue (and on a busy box outlasts the server's handshake deadline).
  for (let i = 0; i < n; i += 50) {
    const wave = await Promise.all(Array.from({ length: Math.min(50, n - i) }, (_, k) => open(i + k)));
    sockets.push(...wave);
    const deadline = Date.now() + 15_000;
    while (ready < i + wave.length && Date.now() < deadline) await Bun.sleep(10);
  }

  return {
    get ready() {
      return ready;
    },
    get arrivals() {
      return arrivals;
    },
    get endedEarly() {
      return endedEarly;
    },
    latencies(sent) {
      const samples: number[] = [];
      let missing = 0;
      for (let i = 0; i < n; i++) {
        if (!readyAt[i]) continue;
        const seen = new Map<number, number>();
        for (let k = 0; k < counts[i]!; k++) seen.set(revs[i]![k]!, times[i]![k]!);
        for (const [rev, t0] of sent) {
          const t = seen.get(rev);
          if (t === undefined) missing++;
          else samples.push(t - t0);
        }
      }
      return { samples, missing };
    },
    close() {
      closing = true;
      for (const s of sockets) s.end();
    },
  };
}

/**
 * Writes at `perSecond` for `seconds` on a fixed schedule (open loop: a slow write does not
 * delay the next one), recording each write's revision with the time it was sent.
 */
export async function writeAtRate(perSecond: number, seconds: number, write: (i: number) => Promise<number>): Promise<{ sent: Map<number, number>; failed: number; firstError?: string }> {
  const sent = new Map<number, number>();
  let failed = 0;
  let firstError: string | undefined;
  const total = Math.round(perSecond * seconds);
  const start = performance.now();
  const pending: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / perSecond;
    const wait = due - performance.now();
    if (wait > 1) await Bun.sleep(wait);
    const t0 = performance.now();
    pending.push(
      write(i).then(
        (rev) => void sent.set(rev, t0),
        (e) => {
          failed++;
          firstError ??= String(e);
        },
      ),
    );
  }
  await Promise.all(pending);
  return { sent, failed, firstError };
}
