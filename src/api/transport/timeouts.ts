/**
 * How long the API's transport waits for a client before it closes the connection. Without
 * these, connections that never finish a TLS handshake, never send a request or send half a
 * header stay open for good and an unauthenticated client can fill the file table.
 *
 * Defaults follow kube-apiserver's http.Server (secure_serving.go: `ReadHeaderTimeout: 32s`,
 * `IdleTimeout: 90s`) and Go's and Node's clients and servers for the handshake (10 s, as Go's
 * `http.Transport.TLSHandshakeTimeout`). Once a request's head has arrived nothing times out
 * but reading its body: watches, log follows and upgraded streams run as long as they like.
 */
import { parseGoDuration } from "../../model/duration.ts";

export interface TransportTimeouts {
  /** From TCP accept to a finished TLS handshake (a client that never sends a ClientHello too). */
  handshakeMs: number;
  /** From the handshake to the end of the first request's head (Go's ReadHeaderTimeout). */
  headerMs: number;
  /** From the end of a response to the end of the next request's head on a kept-alive connection. */
  idleMs: number;
  /** Reading a request body the server keeps whole; for streamed uploads, the longest silence. */
  bodyMs: number;
}

export const DEFAULT_TRANSPORT_TIMEOUTS: TransportTimeouts = {
  handshakeMs: 10_000,
  headerMs: 32_000,
  idleMs: 90_000,
  bodyMs: 60_000,
};

const KEYS: Record<string, keyof TransportTimeouts> = { handshake: "handshakeMs", header: "headerMs", idle: "idleMs", body: "bodyMs" };

/**
 * `handshake=1s,header=2s,idle=2s,body=3s` (any subset; Go durations) over the defaults. Not a
 * user-facing setting — kube-apiserver has no flags for these either — but how end-to-end tests
 * shorten them (the server command reads it from K3RS_INTERNAL_API_TIMEOUTS).
 */
export function parseTransportTimeouts(spec: string): TransportTimeouts {
  const out = { ...DEFAULT_TRANSPORT_TIMEOUTS };
  for (const part of spec.split(",").map((p) => p.trim()).filter(Boolean)) {
    const [k, v] = part.split("=", 2);
    const key = KEYS[k ?? ""];
    if (!key || v === undefined) throw new Error(`invalid transport timeout ${JSON.stringify(part)} (want ${Object.keys(KEYS).join("|")}=<duration>)`);
    const ms = parseGoDuration(v);
    if (!(ms > 0)) throw new Error(`invalid transport timeout ${JSON.stringify(part)}: must be positive`);
    out[key] = ms;
  }
  return out;
}
