import { describe, expect, test } from "bun:test";
import { EARLY_LIMIT, Pipe, type PipeSink, type PipeSource } from "./pipe.ts";

/** A sink that takes at most `room` bytes until the test frees more, as a full socket does. */
class SlowSink implements PipeSink {
  got: number[] = [];
  shut = 0;
  ended = 0;
  constructor(public room: number) {}
  write(d: Uint8Array): number {
    const n = Math.min(this.room, d.length);
    this.room -= n;
    for (let i = 0; i < n; i++) this.got.push(d[i]!);
    return n;
  }
  shutdown(): void {
    this.shut++;
  }
  end(): void {
    this.ended++;
  }
}

class Source implements PipeSource {
  paused = false;
  pauses = 0;
  resumes = 0;
  pause() {
    this.paused = true;
    this.pauses++;
  }
  resume() {
    this.paused = false;
    this.resumes++;
  }
}

const bytes = (from: number, n: number) => Uint8Array.from({ length: n }, (_, i) => (from + i) % 256);

describe("Pipe", () => {
  test("a partial write keeps the rest, pauses the source, and resumes it when drained", () => {
    const src = new Source();
    const sink = new SlowSink(3);
    const p = new Pipe(src);
    p.attach(sink);
    p.push(bytes(0, 10));
    expect(sink.got).toEqual([0, 1, 2]);
    expect(src.paused).toBe(true);
    expect(p.queued).toBe(7);
    // data the source had already read keeps its order behind the queue
    p.push(bytes(10, 5));
    expect(sink.got.length).toBe(3);
    sink.room = 4;
    p.drain();
    expect(src.paused).toBe(true);
    sink.room = 100;
    p.drain();
    expect(sink.got).toEqual([...bytes(0, 15)]);
    expect(src.paused).toBe(false);
    expect(src.pauses).toBe(1);
    expect(src.resumes).toBe(1);
    expect(p.pauses).toBe(1);
  });

  test("nothing lost or duplicated over many random partial writes", () => {
    const src = new Source();
    const sink = new SlowSink(0);
    const p = new Pipe(src);
    p.attach(sink);
    let sent = 0;
    let seed = 7;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    while (sent < 50_000) {
      if (!src.paused) {
        const n = 1 + rnd(700);
        p.push(bytes(sent, n));
        sent += n;
      }
      sink.room += rnd(500);
      p.drain();
    }
    sink.room = Infinity;
    p.drain();
    expect(sink.got.length).toBe(sent);
    expect(sink.got.every((b, i) => b === i % 256)).toBe(true);
    expect(src.paused).toBe(false);
  });

  test("a first request before the upstream is attached waits without pausing the source", () => {
    const src = new Source();
    const p = new Pipe(src);
    p.push(bytes(0, 4));
    expect(src.pauses).toBe(0);
    const sink = new SlowSink(100);
    p.attach(sink);
    expect(sink.got).toEqual([0, 1, 2, 3]);
    expect([src.paused, src.pauses, src.resumes]).toEqual([false, 0, 0]);
  });

  test("more than EARLY_LIMIT before the upstream is attached pauses the source until it is written", () => {
    const src = new Source();
    const p = new Pipe(src);
    p.push(bytes(0, EARLY_LIMIT));
    expect(src.paused).toBe(false);
    p.push(bytes(EARLY_LIMIT, 1));
    expect(src.paused).toBe(true);
    const sink = new SlowSink(EARLY_LIMIT + 1);
    p.attach(sink);
    expect(sink.got.length).toBe(EARLY_LIMIT + 1);
    expect(sink.got.every((b, i) => b === i % 256)).toBe(true);
    expect(src.paused).toBe(false);
  });

  test("what waited for the upstream and does not fit the sink pauses the source at attach", () => {
    const src = new Source();
    const p = new Pipe(src);
    p.push(bytes(0, 10));
    const sink = new SlowSink(4);
    p.attach(sink);
    expect(src.paused).toBe(true);
    expect(p.queued).toBe(6);
    sink.room = 100;
    p.drain();
    expect(sink.got).toEqual([...bytes(0, 10)]);
    expect(src.paused).toBe(false);
  });

  test("FIN is passed on only after the queue is written (half-close)", () => {
    const src = new Source();
    const sink = new SlowSink(2);
    const p = new Pipe(src);
    p.attach(sink);
    p.push(bytes(0, 5));
    p.end();
    expect(sink.shut).toBe(0);
    sink.room = 10;
    p.drain();
    expect(sink.got.length).toBe(5);
    expect(sink.shut).toBe(1);
    p.end();
    p.drain();
    expect(sink.shut).toBe(1);
  });

  test("a source gone for good closes the sink after the queue, rather than half-closing it", () => {
    const sink = new SlowSink(1);
    const p = new Pipe(new Source());
    p.attach(sink);
    p.push(bytes(0, 3));
    p.end(true);
    expect(sink.ended).toBe(0);
    sink.room = 10;
    p.drain();
    expect(sink.got.length).toBe(3);
    expect([sink.shut, sink.ended]).toEqual([0, 1]);
  });

  test("FIN before the upstream is attached is passed on at attach", () => {
    const p = new Pipe(new Source());
    p.push(bytes(0, 2));
    p.end();
    const sink = new SlowSink(10);
    p.attach(sink);
    expect(sink.got).toEqual([0, 1]);
    expect(sink.shut).toBe(1);
  });

  test("abandon drops the queue and releases a paused source", () => {
    const src = new Source();
    const sink = new SlowSink(0);
    const p = new Pipe(src);
    p.attach(sink);
    p.push(bytes(0, 5));
    expect(src.paused).toBe(true);
    p.abandon();
    expect(src.paused).toBe(false);
    expect(p.queued).toBe(0);
    p.push(bytes(0, 5));
    expect(sink.got).toEqual([]);
  });

  test("a closed sink (write returns -1) counts as nothing written", () => {
    const src = new Source();
    const p = new Pipe(src);
    p.attach({ write: () => -1, shutdown() {}, end() {} });
    p.push(bytes(0, 3));
    expect(p.bytes).toBe(0);
    expect(p.queued).toBe(3);
  });
});
