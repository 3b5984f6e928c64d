/**
 * A response body read as far as it is ready: a Response made from a string or bytes is
 * whole at once and goes out with a Content-Length in one write; one still open after a turn
 * of the event loop (a watch, a log follow) is streamed.
 */
type ReadResult = { done: true; value?: undefined } | { done: false; value: Uint8Array };
export interface BodyReader {
  read(): Promise<ReadResult>;
}

/**
 * Reads what the body has ready within one turn of the event loop: all of it (`done`) when
 * the Response was made from a string or bytes, else the chunks so far and the read pending.
 */
export async function readWhileReady(reader: BodyReader): Promise<{ done: true; chunks: Uint8Array[] } | { done: false; chunks: Uint8Array[]; next: Promise<ReadResult> }> {
  const chunks: Uint8Array[] = [];
  let turnEnded = false;
  const turn = new Promise<undefined>((resolve) => setImmediate(() => ((turnEnded = true), resolve(undefined))));
  for (;;) {
    const next = reader.read();
    // Awaited later (or dropped after a cancel): its failure must not be an unhandled rejection meanwhile.
    next.catch(() => {});
    const got = turnEnded ? undefined : await Promise.race([next, turn]);
    if (!got) return { done: false, chunks, next };
    if (got.done) return { done: true, chunks };
    chunks.push(got.value);
  }
}

