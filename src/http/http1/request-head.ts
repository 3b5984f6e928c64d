/**
 * An HTTP/1.1 request head (RFC 9112 §2–5), parsed strictly: what a lenient parser lets
 * through is what request smuggling and header injection are made of. Refused, each with the
 * status Go's net/http gives: a malformed request line or header line, obsolete line folding,
 * whitespace before a header's colon, control characters in a value, a Content-Length that is
 * not one decimal number (or several that differ), Content-Length beside Transfer-Encoding,
 * a Transfer-Encoding other than `chunked` (501), and versions other than 1.0 and 1.1 (505).
 */
import type { BodyFraming } from "../../lib/http1-body-decoder.ts";

export interface RequestHead {
  method: string;
  /** The request-target as sent (checked for shape by request-target.ts later). */
  target: string;
  /** "1.1" or "1.0". */
  version: string;
  /** Name, value, name, value, … as sent (node's rawHeaders). */
  rawHeaders: string[];
  /** Lower-case names; repeated ones joined with ", " (node's `headers`). */
  headers: Record<string, string>;
  /** Body framing: bytes that follow, or chunked. */
  body: BodyFraming;
  /** The connection stays open after the answer (HTTP/1.1 unless `close`; HTTP/1.0 closes). */
  keepAlive: boolean;
  /** `Connection: upgrade` with an `Upgrade` header. */
  upgrade: boolean;
  /** `Expect: 100-continue`. */
  expectsContinue: boolean;
}

export class HeadError extends Error {
  constructor(
    readonly status: 400 | 431 | 501 | 505,
    message: string,
  ) {
    super(message);
  }
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// Visible characters, spaces and tabs, and obs-text; never CR, LF, NUL or other controls.
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
const DIGITS = /^[0-9]{1,15}$/;

/** Parses `text`, the head without its final CRLF CRLF, read as latin1 (one char per byte). */
export function parseRequestHead(text: string): RequestHead {
  const lines = text.split("\r\n");
  const requestLine = lines[0]!;
  const sp1 = requestLine.indexOf(" ");
  const sp2 = requestLine.lastIndexOf(" ");
  if (sp1 <= 0 || sp2 === sp1) throw new HeadError(400, "malformed HTTP request line");
  const method = requestLine.slice(0, sp1);
  const target = requestLine.slice(sp1 + 1, sp2);
  const protocol = requestLine.slice(sp2 + 1);
  if (!TOKEN.test(method) || target === "" || /[\s\x00-\x1f\x7f]/.test(target)) throw new HeadError(400, "malformed HTTP request line");
  if (protocol !== "HTTP/1.1" && protocol !== "HTTP/1.0") {
    if (/^HTTP\/[0-9]\.[0-9]$/.test(protocol)) throw new HeadError(505, "unsupported HTTP version");
    throw new HeadError(400, "malformed HTTP version");
  }
  const version = protocol.slice(5);
  const rawHeaders: string[] = [];
  const headers: Record<string, string> = {};
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.charCodeAt(0) === 0x20 || line.charCodeAt(0) === 0x09) throw new HeadError(400, "obsolete line folding in a header");
    const colon = line.indexOf(":");
    if (colon <= 0) throw new HeadError(400, "malformed MIME header line");
    const name = line.slice(0, colon);
    if (!TOKEN.test(name)) throw new HeadError(400, `malformed MIME header: invalid header name ${JSON.stringify(name)}`);
    const value = line.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, "");
    if (!FIELD_VALUE.test(value)) throw new HeadError(400, `malformed MIME header: invalid value of ${name}`);
    rawHeaders.push(name, value);
    const key = name.toLowerCase();
    const prev = headers[key];
    headers[key] = prev === undefined ? value : `${prev}, ${value}`;
  }
  return { method, target, version, rawHeaders, headers, body: framing(headers), keepAlive: keepAlive(version, headers.connection), upgrade: isUpgrade(headers), expectsContinue: (headers.expect ?? "").toLowerCase() === "100-continue" };
}

function framing(headers: Record<string, string>): RequestHead["body"] {
  const te = headers["transfer-encoding"];
  const cl = headers["content-length"];
  if (te !== undefined) {
    if (cl !== undefined) throw new HeadError(400, "both Transfer-Encoding and Content-Length");
    if (te.toLowerCase() !== "chunked") throw new HeadError(501, `unsupported transfer encoding: ${JSON.stringify(te)}`);
    return { kind: "chunked" };
  }
  if (cl === undefined) return { kind: "none" };
  // Repeated lines arrive joined: every one must be the same number.
  const values = new Set(cl.split(",").map((v) => v.trim()));
  const [only] = values;
  if (values.size !== 1 || !DIGITS.test(only!)) throw new HeadError(400, `bad Content-Length ${JSON.stringify(cl)}`);
  const length = Number(only);
  return length === 0 ? { kind: "none" } : { kind: "length", length };
}

function connectionTokens(value: string | undefined): string[] {
  return (value ?? "").toLowerCase().split(",").map((t) => t.trim());
}

function keepAlive(version: string, connection: string | undefined): boolean {
  const tokens = connectionTokens(connection);
  if (tokens.includes("close")) return false;
  return version === "1.1" || tokens.includes("keep-alive");
}

function isUpgrade(headers: Record<string, string>): boolean {
  return headers.upgrade !== undefined && connectionTokens(headers.connection).includes("upgrade");
}
