/**
 * Waits until a writable stream wants more (`drain`) or is gone (`close`), and removes both
 * listeners either way. `once("drain", …).once("close", …)` left the other listener behind on
 * every slow write: a long watch to a slow client piled up close listeners by the thousand.
 */
import type { EventEmitter } from "node:events";

export function drained(stream: EventEmitter & { destroyed?: boolean }): Promise<void> {
  if (stream.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      stream.off("drain", done);
      stream.off("close", done);
      resolve();
    };
    stream.on("drain", done);
    stream.on("close", done);
  });
}
