import { EventEmitter } from "node:events";

/** A connection stand-in for transport unit tests: `destroy()` marks it and emits `close` once. */
export function fakeSocket(name = "") {
  const s = Object.assign(new EventEmitter(), {
    name,
    destroyed: false,
    destroy() {
      if (s.destroyed) return;
      s.destroyed = true;
      s.emit("close");
    },
  });
  return s;
}
