import { describe, expect, test } from "bun:test";
import { DEFAULT_TRANSPORT_TIMEOUTS, parseTransportTimeouts } from "./timeouts.ts";

describe("transport timeouts", () => {
  test("defaults follow kube-apiserver's server (32 s header, 90 s idle) and a 10 s handshake", () => {
    expect(DEFAULT_TRANSPORT_TIMEOUTS).toEqual({ handshakeMs: 10_000, headerMs: 32_000, idleMs: 90_000, bodyMs: 60_000 });
  });
  test("a spec overrides the keys it names", () => {
    expect(parseTransportTimeouts("handshake=1s, idle=1500ms")).toEqual({ ...DEFAULT_TRANSPORT_TIMEOUTS, handshakeMs: 1000, idleMs: 1500 });
    expect(parseTransportTimeouts("")).toEqual(DEFAULT_TRANSPORT_TIMEOUTS);
  });
  test.each(["read=1s", "idle", "idle=0", "idle=-1s", "idle=soon"])("refuses %p", (spec) => {
    expect(() => parseTransportTimeouts(spec)).toThrow(/invalid/);
  });
});
