/**
 * Bodies as the audit log sees them, never more than a bound in memory: a request body read
 * from a clone, a response body copied as it passes to the client (and the moment it ends,
 * which is when a response is complete).
 */

import { concatChunks } from "../../http/read-capped.ts";

/** What a copy of a body came to: its bytes, or "too-large" past the bound (nothing kept). */
export type Captured = Uint8Array | "too-large";

/**
 * `body` passed through unchanged; `onEnd` is called once when it ends, fails or the client
 * goes away, with a copy of up to `captureBytes` (0: none kept, "too-large" when past it).
 */
export function observeBody(body: ReadableStream<Uint8Array>, captureBytes: number, onEnd: (copy: Captured | undefined) => void): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let over = false;
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    onEnd(captureBytes <= 0 ? undefined : over ? "too-large" : concatChunks(chunks, size));
    chunks.length = 0;
  };
  return new ReadableStream<Uint8Array>({
    async pull(ctrl) {
      let r: Awaited<ReturnType<typeof reader.read>>;
      try {
        r = await reader.read();
      } catch (e) {
        end();
        ctrl.error(e);
        return;
      }
      if (r.done) {
        ctrl.close();
        end();
        return;
      }
      if (captureBytes > 0 && !over) {
        size += r.value.byteLength;
        if (size > captureBytes) {
          over = true;
          chunks.length = 0;
        } else chunks.push(r.value);
      }
      ctrl.enqueue(r.value);
    },
    cancel(reason) {
      end();
      return reader.cancel(reason);
    },
  });
}
