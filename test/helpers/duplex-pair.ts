/** Two connected in-memory byte streams: what one end writes, the other reads (a socketpair). */
import { Duplex, PassThrough } from "node:stream";

export function duplexPair(): [Duplex, Duplex] {
  const ab = new PassThrough();
  const ba = new PassThrough();
  const end = (readable: PassThrough, writable: PassThrough) => Duplex.from({ readable, writable } as unknown as Parameters<typeof Duplex.from>[0]);
  return [end(ba, ab), end(ab, ba)];
}
