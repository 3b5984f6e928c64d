import { describe, expect, test } from "bun:test";
import { EventEmitter } from "node:events";
import type { Duplex } from "node:stream";
import { RequestDeadline } from "./request-deadline.ts";
import { fakeSocket } from "../../../test/helpers/fake-socket.ts";

const closed = (s: EventEmitter) => new Promise<void>((r) => s.once("close", () => r()));

describe("request deadline", () => {
  test("a connection that sends no request head is destroyed", async () => {
    const s = fakeSocket();
    RequestDeadline.attach(s as unknown as Duplex, { headerMs: 5, idleMs: 5 });
    await closed(s);
    expect(s.destroyed).toBe(true);
  });

  test("no deadline while a request is served (a watch may last); the idle clock starts when it ends", async () => {
    const s = fakeSocket();
    const d = RequestDeadline.attach(s as unknown as Duplex, { headerMs: 5, idleMs: 5 });
    expect(RequestDeadline.of(s)).toBe(d);
    d.started();
    await Bun.sleep(30);
    expect(s.destroyed).toBe(false);
    d.finished();
    await closed(s);
    expect(s.destroyed).toBe(true);
  });

  test("a released (upgraded) connection is left to its new owner", async () => {
    const s = fakeSocket();
    const d = RequestDeadline.attach(s as unknown as Duplex, { headerMs: 5, idleMs: 5 });
    d.started();
    d.release();
    d.finished();
    await Bun.sleep(30);
    expect(s.destroyed).toBe(false);
  });
});
