import { describe, expect, test } from "bun:test";
import { WatchBudget, WatchOutput } from "./watch-output.ts";

const chunk = (n: number, fill = 1) => new Uint8Array(n).fill(fill);

async function readAll(stream: ReadableStream<Uint8Array>): Promise<number[]> {
  const out: number[] = [];
  for await (const c of stream) out.push(c[0]!);
  return out;
}

describe("WatchOutput", () => {
  test("delivers in order: the initial lines as read, then what was pushed", async () => {
    const budget = new WatchBudget({ perWatcherBytes: 1000, totalBytes: 10_000 });
    let closed = 0;
    const out = new WatchOutput(budget, () => closed++);
    let rendered = 0;
    function* initial() {
      for (let i = 1; i <= 3; i++) {
        rendered++;
        yield chunk(10, i);
      }
    }
    out.setInitial(initial());
    out.push(chunk(10, 4));
    out.push(chunk(10, 5));
    expect(rendered).toBe(0);
    expect(budget.usedBytes).toBe(20);
    out.end();
    expect(await readAll(out.stream)).toEqual([1, 2, 3, 4, 5]);
    expect(closed).toBe(1);
    expect(budget.usedBytes).toBe(0);
    expect(budget.watchers).toBe(0);
  });

  test("a watcher past its own bound is closed and its bytes released", async () => {
    const budget = new WatchBudget({ perWatcherBytes: 100, totalBytes: 10_000 });
    let closed = 0;
    const out = new WatchOutput(budget, () => closed++);
    for (let i = 0; i < 10; i++) out.push(chunk(10));
    expect(out.isClosed).toBe(false);
    out.push(chunk(10));
    expect(out.isClosed).toBe(true);
    expect(closed).toBe(1);
    expect(budget.closedForLag).toBe(1);
    expect(budget.usedBytes).toBe(0);
    expect(await readAll(out.stream)).toEqual([]);
  });

  test("past the total budget the watchers furthest behind are closed first", () => {
    const budget = new WatchBudget({ perWatcherBytes: 1000, totalBytes: 250 });
    const outs = [0, 1, 2].map(() => new WatchOutput(budget, () => {}));
    outs[0]!.push(chunk(150));
    outs[1]!.push(chunk(50));
    outs[2]!.push(chunk(40));
    expect(outs.map((o) => o.isClosed)).toEqual([false, false, false]);
    outs[2]!.push(chunk(20));
    expect(outs.map((o) => o.isClosed)).toEqual([true, false, false]);
    expect(budget.usedBytes).toBe(110);
  });

  test("a reading watcher holds nothing: pushes go straight to the waiting reader", async () => {
    const budget = new WatchBudget({ perWatcherBytes: 15, totalBytes: 15 });
    const out = new WatchOutput(budget, () => {});
    const reader = out.stream.getReader();
    for (let i = 1; i <= 5; i++) {
      const read = reader.read();
      out.push(chunk(10, i));
      expect((await read).value![0]).toBe(i);
      expect(budget.usedBytes).toBe(0);
    }
    expect(out.isClosed).toBe(false);
    await reader.cancel();
    expect(out.isClosed).toBe(true);
  });

  test("a resumed watch's history burst is admitted whole; lag counts beyond what of it is unread", async () => {
    const budget = new WatchBudget({ perWatcherBytes: 100, totalBytes: 10_000 });
    const out = new WatchOutput(budget, () => {});
    out.beginReplay();
    for (let i = 0; i < 50; i++) out.push(chunk(10));
    out.endReplay();
    expect(out.isClosed).toBe(false);
    const reader = out.stream.getReader();
    for (let i = 0; i < 20; i++) await reader.read();
    // 300 bytes of the replay unread: 100 more live bytes are allowed, the 101st is lag.
    for (let i = 0; i < 10; i++) out.push(chunk(10));
    expect(out.isClosed).toBe(false);
    out.push(chunk(1));
    expect(out.isClosed).toBe(true);
  });

  test("a replay larger than the total budget still closes watchers", () => {
    const budget = new WatchBudget({ perWatcherBytes: 100, totalBytes: 200 });
    const out = new WatchOutput(budget, () => {});
    out.beginReplay();
    for (let i = 0; i < 25; i++) out.push(chunk(10));
    expect(out.isClosed).toBe(true);
  });

  test("a line shared by several watchers counts once in the total, once per watcher in its own bound", async () => {
    const budget = new WatchBudget({ perWatcherBytes: 1000, totalBytes: 250 });
    const outs = [0, 1, 2].map(() => new WatchOutput(budget, () => {}));
    const shared = [chunk(100), chunk(100)];
    for (const o of outs) for (const c of shared) o.push(c);
    expect(outs.map((o) => o.isClosed)).toEqual([false, false, false]);
    expect(budget.usedBytes).toBe(200);
    expect(outs[0]!.bufferedBytes).toBe(200);
    // Two of three readers take the first line: it is still held, still counted.
    for (const o of outs.slice(0, 2)) await o.stream.getReader().read();
    expect(budget.usedBytes).toBe(200);
    outs[2]!.close();
    expect(budget.usedBytes).toBe(100);
    outs[0]!.push(chunk(200));
    expect(outs[0]!.isClosed).toBe(true);
    expect(budget.usedBytes).toBe(100);
  });

  describe("taken as a push body", () => {
    /** A sink that accepts `room` chunks, then says wait until the test resumes it. */
    function sink(room: number) {
      const got: number[] = [];
      let ended = 0;
      return {
        got,
        ended: () => ended,
        setRoom: (n: number) => void (room = n),
        write(c: Uint8Array) {
          got.push(c[0]!);
          return --room > 0;
        },
        end: () => void ended++,
      };
    }

    test("initial lines are rendered as the sink takes them, then the queue, paced by resume", () => {
      const budget = new WatchBudget({ perWatcherBytes: 1000, totalBytes: 10_000 });
      const out = new WatchOutput(budget, () => {});
      let rendered = 0;
      out.setInitial(
        (function* () {
          for (let i = 1; i <= 3; i++) {
            rendered++;
            yield chunk(10, i);
          }
        })(),
      );
      out.push(chunk(10, 4));
      const s = sink(2);
      const resume = out.attach(s);
      expect(s.got).toEqual([1, 2]);
      expect(rendered).toBe(2);
      out.push(chunk(10, 5));
      expect(budget.usedBytes).toBe(20);
      s.setRoom(10);
      resume();
      expect(s.got).toEqual([1, 2, 3, 4, 5]);
      expect(budget.usedBytes).toBe(0);
      out.push(chunk(10, 6));
      expect(s.got).toEqual([1, 2, 3, 4, 5, 6]);
      out.end();
      expect(s.ended()).toBe(1);
    });

    test("an output closed before the transport takes it ends the response at once", () => {
      const out = new WatchOutput(new WatchBudget(), () => {});
      out.close();
      const s = sink(10);
      out.attach(s);
      expect(s.ended()).toBe(1);
      expect(s.got).toEqual([]);
    });

    test("a watcher whose connection stays backed up past its bound is closed, its response ended", () => {
      const budget = new WatchBudget({ perWatcherBytes: 100, totalBytes: 10_000 });
      let closed = 0;
      const out = new WatchOutput(budget, () => closed++);
      const s = sink(1);
      out.attach(s);
      for (let i = 0; i < 12; i++) out.push(chunk(10));
      expect(s.got).toHaveLength(1);
      expect(closed).toBe(1);
      expect(s.ended()).toBe(1);
      expect(budget.usedBytes).toBe(0);
      expect(budget.closedForLag).toBe(1);
    });
  });
});
