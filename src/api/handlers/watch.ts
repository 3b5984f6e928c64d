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
 */
import type { KubeObject } from "../../model/object.ts";
import { apiVersionOf } from "../../model/object.ts";
import { errors, StatusError } from "../../model/errors.ts";
import { StoreError, type WatchEvent } from "../../store/types.ts";
import { boolParam, intParam, negotiateTable } from "../request.ts";
import { buildFilter } from "../storage/filter.ts";
import { listPrefix } from "../storage/keys.ts";
import type { ResourceContext } from "./resource.ts";
import { tableEvent } from "./table.ts";
import { metrics } from "../metrics.ts";

/** How often an idle watch gets a bookmark. */
export const BOOKMARK_INTERVAL_MS = 15_000;
/** A watcher this many events behind is cut off; it will re-watch from its last resourceVersion. */
const MAX_BACKLOG_BYTES = 16 * 1024 * 1024;

/**
 * The store hands every watcher the same event object, so the encoded line is made once per
 * event and type and shared: with 1,000 watchers that is one JSON.stringify, not 1,000.
 */
const sharedLines = new WeakMap<object, Map<string, Uint8Array>>();
const sharedEncoder = new TextEncoder();
function encodeShared(type: string, obj: KubeObject): Uint8Array {
  let byType = sharedLines.get(obj);
  if (!byType) sharedLines.set(obj, (byType = new Map()));
  let line = byType.get(type);
  if (!line) byType.set(type, (line = sharedEncoder.encode(JSON.stringify({ type, object: obj }) + "\n")));
  return line;
}

export async function serveWatch(ctx: ResourceContext): Promise<Response> {
  const { def, path, url, storage } = ctx;
  const filter = buildFilter(def, url, path.name);
  const rvParam = url.searchParams.get("resourceVersion") ?? "";
  const sendInitialParam = url.searchParams.get("sendInitialEvents");
  const bookmarks = boolParam(url, "allowWatchBookmarks");
  const timeoutSeconds = intParam(url, "timeoutSeconds") ?? 1800 + Math.floor(Math.random() * 1800);
  const table = negotiateTable(ctx.req, url);
  let fromRevision: number;
  let sendInitial: boolean;
  if (rvParam === "" || rvParam === "0") {
    sendInitial = sendInitialParam !== "false";
    fromRevision = -1;
  } else {
    if (!/^\d+$/.test(rvParam)) throw errors.badRequest(`invalid resource version: ${JSON.stringify(rvParam)}`);
    fromRevision = Number(rvParam);
    sendInitial = sendInitialParam === "true";
  }
  const encoder = new TextEncoder();
  const apiVersion = apiVersionOf(def.group, def.version);
  let firstTableEvent = true;

  const render = (type: string, obj: KubeObject): Uint8Array => {
    if (table && type !== "BOOKMARK" && type !== "ERROR") {
      const object = tableEvent(def, obj, table.includeObject, firstTableEvent);
      firstTableEvent = false;
      return encoder.encode(JSON.stringify({ type, object }) + "\n");
    }
    return encodeShared(type, obj);
  };

  let cleanup = () => {};
  const stream = new ReadableStream<Uint8Array>({
    start: async (controller) => {
      let closed = false;
      let lastRevision = 0;
      const close = () => {
        if (closed) return;
        closed = true;
        cleanup();
        try {
          controller.close();
        } catch {}
      };
      const send = (chunk: Uint8Array) => {
        if (closed) return;
        if ((controller.desiredSize ?? 0) < -MAX_BACKLOG_BYTES) return close();
        controller.enqueue(chunk);
      };
      const bookmark = (initialEnd = false) =>
        send(render("BOOKMARK", {
          apiVersion,
          kind: def.kind,
          metadata: { resourceVersion: String(Math.max(lastRevision, storage.store.revision())), ...(initialEnd ? { annotations: { "k8s.io/initial-events-end": "true" } } : {}) },
        }));

      const prefix = listPrefix(def, path.namespace);
      try {
        if (sendInitial) {
          const initial = await storage.list(def, path.namespace, { filter });
          for (const item of initial.items) send(render("ADDED", item));
          lastRevision = Number(initial.metadata.resourceVersion);
          if (fromRevision < 0) fromRevision = lastRevision;
          if (bookmarks && sendInitialParam === "true") bookmark(true);
        } else if (fromRevision < 0) {
          fromRevision = storage.store.revision();
        }
        lastRevision = Math.max(lastRevision, fromRevision);
        const onEvent = (ev: WatchEvent) => {
          lastRevision = ev.revision;
          const now = filter ? filter(ev.object) : true;
          const before = ev.prevObject ? (filter ? filter(ev.prevObject) : true) : false;
          let type: string = ev.type;
          if (ev.type === "MODIFIED") {
            if (now && !before) type = "ADDED";
            else if (!now && before) type = "DELETED";
            else if (!now) return;
          } else if (!now) return;
          send(render(type, ev.object));
        };
        const unsubscribe = storage.store.watch(prefix, { fromRevision, signal: ctx.signal }, onEvent);
        const timers: ReturnType<typeof setTimeout>[] = [];
        const interval = bookmarks ? setInterval(() => bookmark(), BOOKMARK_INTERVAL_MS) : undefined;
        timers.push(setTimeout(close, timeoutSeconds * 1000));
        metrics.watchers.inc({ resource: def.plural });
        let cleaned = false;
        cleanup = () => {
          if (cleaned) return;
          cleaned = true;
          unsubscribe();
          for (const t of timers) clearTimeout(t);
          if (interval) clearInterval(interval);
          metrics.watchers.dec({ resource: def.plural });
        };
        ctx.signal.addEventListener("abort", close, { once: true });
      } catch (e) {
        const status = e instanceof StoreError && e.code === "Compacted"
          ? errors.gone(`too old resource version: ${fromRevision} (${storage.store.stats().compactRevision})`).toStatus()
          : (e instanceof StatusError ? e : errors.internal("watch failed", e)).toStatus();
        send(encoder.encode(JSON.stringify({ type: "ERROR", object: status }) + "\n"));
        close();
      }
    },
    cancel: () => cleanup(),
  });
  return new Response(stream, {
    status: 200,
    headers: { "content-type": "application/json", "cache-control": "no-cache, private" },
  });
}
