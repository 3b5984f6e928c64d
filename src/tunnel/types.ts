/** What the API server needs to reach a node's agent, whatever carries it. */
import type { Duplex } from "node:stream";
import type { StreamRequestInit } from "./http-over-stream.ts";

export interface NodeConnector {
  /** Whether the node's agent holds a tunnel to this server now. */
  connected(nodeName: string): boolean;
  /**
   * A raw byte stream to the node's agent API (HTTP/1.1 is spoken over it; an upgrade turns
   * it into whatever the upgrade says). Throws a 503 StatusError when the node has no tunnel.
   */
  dial(nodeName: string): Duplex;
  /** One HTTP request to the node's agent API; the Response body streams. */
  fetch(nodeName: string, path: string, init?: StreamRequestInit): Promise<Response>;
}
