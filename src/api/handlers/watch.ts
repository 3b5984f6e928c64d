/**
 * Watch over HTTP: a chunked stream of `{"type":…,"object":…}` lines.
 *
 * - resourceVersion unset or "0": the current state first (ADDED events), then changes.
 * - resourceVersion N: every change after N; N older than the store's history ends the
 *   stream with an ERROR event carrying a 410 Expired Status (what client-go expects).
 * - Selectors apply to both sides of a change: an object that stops matching is DELETED for
 *   this watcher, one that starts matching is ADDED (as the apiserver's watch cache does).
 * - allowWatchBookmarks: BOOKMARK events with the current revision, so clients can resume
 *   cheaply; with sendInitialEvents the end of the initial state is marked by one.
 * - Ends after timeoutSeconds (default: a random 30–60 min, like --min-request-timeout).
 * - A watcher that does not read is closed once it falls too far behind (watch-output.ts).
 */
import type { KubeObject } from "../../model/object.ts";
import { apiVersionOf } from "../../model/object.ts";
import { errors, StatusError } from "../../model/errors.ts";
import { negotiateTable } from "../request.ts";
import type { ListOptions } from "../options/list-options.ts";
import { WatchOutput, watchBudget, type WatchBudget } from "./watch-output.ts";
import { buildFilter, fieldRequirements, selectedName } from "../storage/filter.ts";
import { watchRoute } from "../storage/watch-routes.ts";
import type { ObjectEvent } from "../storage/object-storage.ts";
import type { ResourceContext } from "./context.ts";
import { tableEvent } from "./table.ts";
import { metrics } from "../request-metrics.ts";
import { log } from "../../log.ts";

/** How often an idle watch gets a bookmark. */
export const BOOKMARK_INTERVAL_MS = 15_000;
/** setTimeout's largest delay; a longer one fires at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Storage hands every watcher the same event object, so the encoded line is made once per
 * event and type and shared: with 1,000 watchers that is one encoding, not 1,000. The object
 * goes in as the store's text when the event carries it, unparsed: a Pod's JSON.stringify is
 * tens of microseconds (its managedFields' keys need escaping, lib/json-text.ts), copying it
 * is not.
 */
const sharedLines = new WeakMap<object, Map<string, Uint8Array>>();
const sharedEncoder = new TextEncoder();

/** What a line is made of: an event's object, and its stored text when it has it (then the object is not read). */
type Rendered = { readonly object: KubeObject; readonly json?: string };

function encodeShared(type: string, ev: Rendered): Uint8Array {
  let byType = sharedLines.get(ev);
  if (!byType) sharedLines.set(ev, (byType = new Map()));
  let line = byType.get(type);
  if (!line) {
    const json = ev.json;
    byType.set(type, (line = json === undefined ? sharedEncoder.encode(JSON.stringify({ type, object: ev.object }) + "\n") : storedLine(type, json)));
  }
  return line;
}

/** An event's line around an object's stored text (`type` is an event type: nothing to escape). */
function storedLine(type: string, json: string): Uint8Array {
  return sharedEncoder.encode(`{"type":"${type}","object":${json}}\n`);
}

export async function serveWatch(ctx: ResourceContext, options: ListOptions, budget: WatchBudget = watchBudget): Promise<Response> {
  const { def, path, url, storage } = ctx;
  const filter = buildFilter(def, url, path.name);
  const fields = fieldRequirements(url);
  const bookmarks = options.allowWatchBookmarks;
  // 0 or absent: the server's default; a negative one ends at once; setTimeout caps at 2^31-1 ms.
  const requested = options.timeoutSeconds ?? 0;
  const timeoutMs = Math.min(requested === 0 ? (1800 + Math.floor(Math.random() * 1800)) * 1000 : Math.max(requested, 0) * 1000, MAX_TIMER_MS);
  const table = negotiateTable(ctx.req, url);
  let fromRevision: number;
  let sendInitial: boolean;
  if (options.revision === undefined) {
    sendInitial = options.sendInitialEvents !== false;
    fromRevision = -1;
  } else {
    fromRevision = options.revision;
    sendInitial = options.sendInitialEvents === true;
  }
  const encoder = new TextEncoder();
  const apiVersion = apiVersionOf(def.group, def.version);
  let firstTableEvent = true;

  const render = (type: string, ev: Rendered): Uint8Array => {
    if (table && type !== "BOOKMARK" && type !== "ERROR") {
      const object = tableEvent(def, ev.object, table.includeObject, firstTableEvent);
      firstTableEvent = false;
      return encoder.encode(JSON.stringify({ type, object }) + "\n");
    }
    return encodeShared(type, ev);
  };

  let cleanup = () => {};
  const out = new WatchOutput(budget, () => cleanup(), (buffered) =>
    // As the watch cache's "Forcing watcher close due to unresponsiveness"; the client re-watches.
    log.info("watch: closing a watcher that does not keep up", { resource: def.plural, namespace: path.namespace, bufferedBytes: buffered }));
  let lastRevision = 0;
  const bookmark = (initialEnd = false) =>
    out.push(render("BOOKMARK", {
      object: {
        apiVersion,
        kind: def.kind,
        metadata: { resourceVersion: String(Math.max(lastRevision, storage.revision())), ...(initialEnd ? { annotations: { "k8s.io/initial-events-end": "true" } } : {}) },
      },
    }));

  try {
    if (sendInitial) {
      const initial = await storage.listJsonItems(def, path.namespace, { filter, name: selectedName(fields, path.name) });
      // Rendered as read, as the store's own JSON text (parsed only for a Table's row); a Table's
      // first line (the one with the column definitions) at once, so that it stays first
      // whatever is pushed meanwhile.
      const added = (text: string) => (table ? render("ADDED", { object: JSON.parse(text) }) : storedLine("ADDED", text));
      const first = initial.items.length > 0 ? added(initial.items[0]!) : undefined;
      out.setInitial(initialLines(first, initial.items, added));
      lastRevision = Number(initial.resourceVersion);
      if (fromRevision < 0) fromRevision = lastRevision;
      if (bookmarks && options.sendInitialEvents === true) bookmark(true);
    } else if (fromRevision < 0) {
      fromRevision = storage.revision();
    }
    lastRevision = Math.max(lastRevision, fromRevision);
    const onEvent = (ev: ObjectEvent) => {
      lastRevision = ev.revision;
      // Selectors read labels and fields, never managedFields: the cheaper objects serve them.
      const now = filter ? filter(ev.slimObject) : true;
      const before = ev.type === "MODIFIED" && (filter ? filter(ev.prevSlimObject!) : true);
      let type: string = ev.type;
      if (ev.type === "MODIFIED") {
        if (now && !before) type = "ADDED";
        else if (!now && before) type = "DELETED";
        else if (!now) return;
      } else if (!now) return;
      out.push(render(type, ev));
    };
    // Storage replays its history on a microtask after subscribing; it is over by the next macrotask.
    out.beginReplay();
    const route = watchRoute(def, fields, path.name);
    const unsubscribe = storage.watch(def, path.namespace, { fromRevision, signal: ctx.signal, route }, onEvent);
    // Too old a revision (410) ends the stream with an ERROR event, as below.
    if (unsubscribe instanceof StatusError) throw unsubscribe;
    setImmediate(() => out.endReplay());
    const timer = setTimeout(() => out.end(), timeoutMs);
    const interval = bookmarks ? setInterval(() => bookmark(), BOOKMARK_INTERVAL_MS) : undefined;
    const close = () => out.close();
    metrics.watchers.inc({ resource: def.plural });
    cleanup = () => {
      unsubscribe();
      clearTimeout(timer);
      if (interval) clearInterval(interval);
      ctx.signal.removeEventListener("abort", close);
      metrics.watchers.dec({ resource: def.plural });
    };
    ctx.signal.addEventListener("abort", close, { once: true });
    if (out.isClosed) cleanup();
    else if (ctx.signal.aborted) close();
  } catch (e) {
    const status = (e instanceof StatusError ? e : errors.internal("watch failed", e)).toStatus();
    out.push(encoder.encode(JSON.stringify({ type: "ERROR", object: status }) + "\n"));
    out.end();
  }
  return new Response(out.stream, {
    status: 200,
    headers: { "content-type": "application/json", "cache-control": "no-cache, private" },
  });
}

function* initialLines(first: Uint8Array | undefined, items: string[], added: (text: string) => Uint8Array): Generator<Uint8Array> {
  if (first === undefined) return;
  yield first;
  for (let i = 1; i < items.length; i++) yield added(items[i]!);
}
