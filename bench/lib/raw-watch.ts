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
  /** The body is chunked (k3rs): its framing is checked as it arrives, for the diagnosis of missing events. */
  chunked?: boolean;
}

/** What one watcher that missed revisions saw: enough to tell where they were lost. */
export interface WatcherDiagnosis {
  watcher: number;
  localPort: number;
  missing: number[];
  /** The missing revisions are one run of consecutive writes (by the writer's order). */
  contiguous: boolean;
  /** They are the last writes: the stream stopped, as opposed to holes in the middle. */
  trailing: boolean;
  firstSeen?: number;
  lastSeen?: number;
  seen: number;
  bytes: number;
  /** Chunks parsed (chunked bodies only), and the first framing error, if any. */
  chunks: number;
  framingError?: string;
  /** The last chunk (end of the response) arrived, though the connection stayed open. */
  responseEnded: boolean;
  /** Revisions seen out of order or twice. */
  disorder: number;
  connectionClosed: boolean;
}

export interface RawWatchers {
  readonly ready: number;
  /**
   * Every event any watcher read, including ones the writer did not make (the namespace's
   * `kube-root-ca.crt` ConfigMap, published by a controller after the watch began): not a
   * count of deliveries to compare with the writes; `delivered` is.
   */
  readonly arrivals: number;
  /** How many (ready watcher, written revision) pairs have arrived. */
  delivered(sent: Map<number, number>): number;
  /** Delivery latencies (ms) for revisions the writer recorded, and how many a ready watcher never saw. */
  latencies(sent: Map<number, number>): { samples: number[]; missing: number };
  /** Watch connections that ended before close(): what "missing" deliveries went with. */
  readonly endedEarly: number;
  /** Per watcher that missed something: which revisions, and what its stream looked like. */
  diagnose(sent: Map<number, number>): WatcherDiagnosis[];
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
  const bytes = new Float64Array(n);
  const closedAt = new Uint8Array(n);
  const framing: ChunkedFraming[] = [];
  const ports = new Int32Array(n);
  let tally = newTally(new Map(), n);

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
          closedAt[i] = 1;
          if (!closing) endedEarly++;
        },
        data(s, chunk) {
          const now = performance.now();
          bytes[i]! += chunk.byteLength;
          if (!ports[i]) ports[i] = s.localPort;
          if (target.chunked) (framing[i] ??= new ChunkedFraming()).feed(chunk);
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
    delivered(sent) {
      // Polled while the client is still reading: only what arrived since the last call is
      // looked at (a full scan is 500,000 lookups, a share of the core the client reads with).
      if (sent !== tally.sent || sent.size !== tally.size) tally = newTally(sent, n);
      let delivered = 0;
      for (let i = 0; i < n; i++) {
        if (!readyAt[i]) continue;
        const r = revs[i]!;
        for (let k = tally.scanned[i]!; k < counts[i]!; k++) {
          // A stream's revisions only rise: one seen again is not a second delivery.
          if (r[k]! > tally.highest[i]! && sent.has(r[k]!)) {
            tally.hits[i]!++;
            tally.highest[i] = r[k]!;
          }
        }
        tally.scanned[i] = counts[i]!;
        delivered += tally.hits[i]!;
      }
      return delivered;
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
    diagnose(sent) {
      const order = [...sent.keys()].sort((a, b) => a - b);
      const index = new Map(order.map((rev, k) => [rev, k]));
      const out: WatcherDiagnosis[] = [];
      for (let i = 0; i < n; i++) {
        if (!readyAt[i]) continue;
        const seenRevs = Array.from(revs[i]!.subarray(0, counts[i]!));
        const seen = new Set(seenRevs);
        const missing = order.filter((rev) => !seen.has(rev));
        if (missing.length === 0) continue;
        let disorder = 0;
        for (let k = 1; k < seenRevs.length; k++) if (seenRevs[k]! <= seenRevs[k - 1]!) disorder++;
        const first = index.get(missing[0]!)!;
        const last = index.get(missing[missing.length - 1]!)!;
        const f = framing[i];
        out.push({
          watcher: i,
          localPort: ports[i]!,
          missing,
          contiguous: last - first + 1 === missing.length,
          trailing: last === order.length - 1 && last - first + 1 === missing.length,
          firstSeen: seenRevs[0],
          lastSeen: seenRevs[seenRevs.length - 1],
          seen: seenRevs.length,
          bytes: bytes[i]!,
          chunks: f?.chunks ?? 0,
          framingError: f?.error,
          responseEnded: f?.ended ?? false,
          disorder,
          connectionClosed: closedAt[i] === 1,
        });
      }
      return out;
    },
    close() {
      closing = true;
      for (const s of sockets) s.end();
    },
  };
}

/** What `delivered` has counted so far, per watcher, for one map of written revisions. */
function newTally(sent: Map<number, number>, n: number) {
  return { sent, size: sent.size, scanned: new Int32Array(n), hits: new Int32Array(n), highest: new Float64Array(n).fill(-1) };
}

/**
 * Waits until every ready watcher has every written revision, or nothing more of them arrives
 * for `quietMs`, or `timeoutMs` passes. Counts only written revisions: counting every event
 * read, one the writer did not make (kube-root-ca.crt, one per watcher) ended the wait while
 * up to that many deliveries were still on their way, and they were reported missing.
 */
export async function awaitDelivery(watchers: RawWatchers, sent: Map<number, number>, o: { quietMs: number; timeoutMs: number; pollMs?: number }): Promise<{ delivered: number; expected: number }> {
  const expected = sent.size * watchers.ready;
  const deadline = Date.now() + o.timeoutMs;
  let delivered = watchers.delivered(sent);
  let progressAt = Date.now();
  while (delivered < expected && Date.now() < deadline && Date.now() - progressAt < o.quietMs) {
    await Bun.sleep(o.pollMs ?? 250);
    const now = watchers.delivered(sent);
    if (now > delivered) progressAt = Date.now();
    delivered = now;
  }
  return { delivered, expected };
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

/**
 * Follows a chunked response's framing (head, then size line, data, CRLF per chunk) without
 * looking at the data: a lost or repeated byte range shows as a framing error at once.
 */
class ChunkedFraming {
  chunks = 0;
  ended = false;
  error?: string;
  private offset = 0;
  private state: "head" | "size" | "data" | "crlf" | "trailer" = "head";
  private line = "";
  private remaining = 0;

  feed(chunk: Uint8Array): void {
    let k = 0;
    while (k < chunk.length && !this.error) {
      if (this.state === "data") {
        const take = Math.min(this.remaining, chunk.length - k);
        this.remaining -= take;
        k += take;
        if (this.remaining === 0) this.state = "crlf";
        continue;
      }
      const c = chunk[k++]!;
      if (this.state === "head" || this.state === "size" || this.state === "trailer") {
        this.line += String.fromCharCode(c);
        if (this.line.length > 16 * 1024) this.fail("line too long");
        if (!this.line.endsWith("\r\n")) continue;
        const text = this.line.slice(0, -2);
        this.line = "";
        if (this.state === "head") {
          if (text === "") this.state = "size";
        } else if (this.state === "trailer") {
          if (text === "") this.ended = true;
        } else {
          if (!/^[0-9a-f]+$/i.test(text)) {
            this.fail(`bad chunk size line ${JSON.stringify(text.slice(0, 40))}`);
            continue;
          }
          this.remaining = parseInt(text, 16);
          if (this.remaining === 0) this.state = "trailer";
          else {
            this.chunks++;
            this.state = "data";
          }
        }
      } else if (this.state === "crlf") {
        this.line += String.fromCharCode(c);
        if (this.line.length < 2) continue;
        if (this.line !== "\r\n") this.fail(`chunk ${this.chunks} not followed by CRLF: ${JSON.stringify(this.line)}`);
        this.line = "";
        this.state = "size";
      }
    }
    this.offset += chunk.length;
  }

  private fail(what: string): void {
    this.error = `${what} near byte ${this.offset}`;
  }
}
