/**
 * Refusing an HTTP upgrade: node:http hands upgrades over as raw sockets, so the Status
 * answer is written by hand — the same JSON body and code any other refusal gets.
 */
import type { Duplex } from "node:stream";
import type { StatusError } from "../model/errors.ts";

const REASON_PHRASE: Record<number, string> = { 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 503: "Service Unavailable" };

export function writeUpgradeError(socket: Duplex, e: StatusError): void {
  const body = JSON.stringify(e.toStatus());
  socket.end(
    `HTTP/1.1 ${e.code} ${REASON_PHRASE[e.code] ?? "Error"}\r\n` +
      "Content-Type: application/json\r\n" +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      "Connection: close\r\n\r\n" +
      body,
  );
}
