/**
 * A JSON list as a response body. A small list is one string. A large one (10,000 Pods are
 * 75 MB) is a stream of ~256 KiB pieces made as the connection takes them: built whole, it was
 * a 75 MB string, its 75 MB of UTF-8 and the TLS layer's copy at once, for every list in flight
 * — the server grew from 0.8 to 1.7 GiB over 30 such lists. A piece is made only when the
 * last one was taken, one event-loop turn apart, so other requests are served in between.
 */
import type { JsonList } from "../storage/object-storage.ts";

const PIECE_CHARS = 256 * 1024;

export function jsonListBody(list: JsonList): string | ReadableStream<Uint8Array> {
  let size = list.open.length + list.close.length;
  for (const item of list.items) {
    size += item.length + 1;
    if (size > PIECE_CHARS) return listStream(list);
  }
  return `${list.open}${list.items.join(",")}${list.close}`;
}

function listStream(list: JsonList): ReadableStream<Uint8Array> {
  let next = 0;
  const encoder = new TextEncoder();
  return new ReadableStream<Uint8Array>(
    {
      async pull(ctrl) {
        // A turn of the event loop between pieces: a reader that takes them as they come
        // (the transport) sees a streamed body, and other connections get their turn.
        if (next > 0) await new Promise((r) => setImmediate(r));
        if (next > list.items.length) return ctrl.close();
        let piece = next === 0 ? list.open : "";
        let chars = 0;
        for (; next < list.items.length && chars < PIECE_CHARS; next++) {
          const item = list.items[next]!;
          piece += next === 0 ? item : `,${item}`;
          chars += item.length + 1;
        }
        if (next === list.items.length) {
          piece += list.close;
          next++;
        }
        ctrl.enqueue(encoder.encode(piece));
      },
    },
    { highWaterMark: 0 },
  );
}
