/**
 * Where an informer's objects come from (client-go's ListerWatcher): a list that says which
 * version it is consistent with, and a watch that delivers every change after a version. Two
 * sources exist: the REST API (client/rest-list-watch.ts, for agents and out-of-process
 * clients) and the server's own storage (api/storage/list-watch.ts, for the controllers and
 * the scheduler inside the server).
 */
import type { KubeObject } from "../model/object.ts";

export interface ListedObjects {
  items: KubeObject[];
  /** The version the list is consistent with: a watch from it misses nothing. */
  resourceVersion: string;
}

export interface ListWatchEvent {
  type: "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK";
  /** The object after the change (for DELETED its last state); for BOOKMARK only its resourceVersion counts. */
  object: KubeObject;
}

export interface ListWatch {
  /** How logs name it: `pods`, `/api/v1/pods?fieldSelector=spec.nodeName=n1`. */
  readonly description: string;
  list(signal: AbortSignal): Promise<ListedObjects>;
  /**
   * Calls onEvent for every change after resourceVersion, in order, until the watch ends.
   * Resolves when the source ends it in the ordinary way (a server-side timeout, an abort):
   * the informer watches again from the last version it saw. Rejects with a Gone/Expired
   * StatusError when that version is older than the source's history (the informer relists),
   * and with anything else when the source fails (the informer backs off and retries).
   * A source inside the server calls onEvent from the commit path, before the write resolves.
   */
  watch(resourceVersion: string, signal: AbortSignal, onEvent: (event: ListWatchEvent) => void): Promise<void>;
}
