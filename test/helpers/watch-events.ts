/** Reads watch events (JSON lines) from a response until `enough(events)` or the stream ends, then cancels it. */
export async function readWatchEvents(res: Response, enough: (events: any[]) => boolean): Promise<any[]> {
  const reader = res.body!.getReader();
  const dec = new TextDecoder();
  const events: any[] = [];
  let buf = "";
  while (!enough(events)) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += dec.decode(value, { stream: true });
    const lines = buf.split("\n");
    buf = lines.pop()!;
    for (const l of lines) if (l.trim()) events.push(JSON.parse(l));
  }
  await reader.cancel().catch(() => {});
  return events;
}
