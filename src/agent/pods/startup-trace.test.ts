import { expect, test } from "bun:test";
import { StartupTrace } from "./startup-trace.ts";

test("tells the stamps once, when the first status after a started container is written", () => {
  let t = 100;
  const told: Record<string, unknown>[] = [];
  const trace = new StartupTrace("ns/p", () => t, (f) => told.push(f));
  trace.mark("sandboxStart");
  t = 300;
  trace.mark("sandboxDone");
  trace.statusWritten(); // ContainerCreating: nothing started yet
  expect(told).toEqual([]);
  t = 310;
  trace.mark("containerStart");
  t = 320;
  trace.mark("imageDone");
  t = 400;
  trace.mark("createDone");
  t = 450;
  trace.mark("startDone");
  t = 480;
  trace.statusWritten();
  trace.mark("sandboxStart"); // a restart later is not the pod's startup
  trace.statusWritten();
  expect(told).toEqual([{ pod: "ns/p", seen: 100, sandboxStart: 100, sandboxDone: 300, containerStart: 310, imageDone: 320, createDone: 400, startDone: 450, statusDone: 480 }]);
});

test("with two containers, the first one's start begins the container work and the last one's ends it", () => {
  let t = 0;
  const told: Record<string, unknown>[] = [];
  const trace = new StartupTrace("ns/p", () => t, (f) => told.push(f));
  for (const at of [10, 20]) {
    t = at;
    trace.mark("containerStart");
    t = at + 5;
    trace.mark("startDone");
  }
  trace.statusWritten();
  expect(told[0]).toMatchObject({ containerStart: 10, startDone: 25 });
});
