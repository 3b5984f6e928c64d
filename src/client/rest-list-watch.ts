/**
 * A ListWatch over the REST API: `GET path` then `GET path?watch=1&resourceVersion=…` with
 * bookmarks and a server-side timeout, as client-go's reflector asks. A 410 arrives as a
 * thrown Gone/Expired StatusError (RestClient turns ERROR events into errors).
 */
import type { KubeObject } from "../model/object.ts";
import type { ListWatch, ListWatchEvent, ListedObjects } from "./list-watch.ts";
import type { RestClient } from "./rest-client.ts";

export interface RestListWatchOptions {
  /** Collection path, e.g. `/api/v1/pods`. */
  path: string;
  /** Extra query, e.g. `{ fieldSelector: "spec.nodeName=n1" }`. */
  query?: Record<string, string>;
  /** Server-side watch timeout; the informer watches again after it. Default 300 s. */
  watchTimeoutSeconds?: number;
}

export class RestListWatch implements ListWatch {
  readonly description: string;

  constructor(
    private readonly client: RestClient,
    private readonly o: RestListWatchOptions,
  ) {
    const q = new URLSearchParams(o.query).toString();
    this.description = q ? `${o.path}?${q}` : o.path;
  }

  async list(signal: AbortSignal): Promise<ListedObjects> {
    const list = await this.client.request(this.o.path, { query: this.o.query, signal });
    const items: KubeObject[] = Array.isArray(list?.items) ? list.items : [];
    // List items carry no apiVersion/kind of their own on the wire; the list's tell them.
    const kind = String(list?.kind ?? "").replace(/List$/, "");
    for (const item of items) {
      if (item && typeof item === "object") {
        item.apiVersion ??= list.apiVersion;
        item.kind ??= kind;
      }
    }
    return { items, resourceVersion: String(list?.metadata?.resourceVersion ?? "") };
  }

  async watch(resourceVersion: string, signal: AbortSignal, onEvent: (event: ListWatchEvent) => void): Promise<void> {
    const query = { ...this.o.query, resourceVersion, allowWatchBookmarks: true, timeoutSeconds: this.o.watchTimeoutSeconds ?? 300 };
    for await (const ev of this.client.watch(this.o.path, { signal, query })) onEvent(ev as ListWatchEvent);
  }
}
