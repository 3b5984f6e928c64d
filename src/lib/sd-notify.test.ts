import { afterEach, expect, test } from "bun:test";
import { dlopen, FFIType, ptr } from "bun:ffi";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sdNotify, unixAddress } from "./sd-notify.ts";

// The receiving end systemd would hold: a bound unix datagram socket (Bun has none of its own).
const libc = dlopen("libc.so.6", {
  socket: { args: [FFIType.i32, FFIType.i32, FFIType.i32], returns: FFIType.i32 },
  bind: { args: [FFIType.i32, FFIType.ptr, FFIType.u32], returns: FFIType.i32 },
  recv: { args: [FFIType.i32, FFIType.ptr, FFIType.u64, FFIType.i32], returns: FFIType.i64 },
  close: { args: [FFIType.i32], returns: FFIType.i32 },
}).symbols;
const MSG_DONTWAIT = 0x40;

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((f) => f()));

function listen(path: string): () => string | undefined {
  const fd = libc.socket(1, 2, 0);
  const addr = unixAddress(path);
  expect(libc.bind(fd, ptr(addr.bytes), addr.length)).toBe(0);
  cleanups.push(() => libc.close(fd));
  return () => {
    const buf = new Uint8Array(4096);
    const n = Number(libc.recv(fd, ptr(buf), buf.length, MSG_DONTWAIT));
    return n < 0 ? undefined : Buffer.from(buf.subarray(0, n)).toString();
  };
}

test("READY=1 arrives as one datagram on a socket path", () => {
  const dir = mkdtempSync(join(tmpdir(), "ops-sdnotify-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const receive = listen(join(dir, "notify"));
  expect(sdNotify(join(dir, "notify"), "READY=1")).toBe(true);
  expect(receive()).toBe("READY=1");
  expect(receive()).toBeUndefined();
});

test("an abstract socket (@name, as systemd ≥ 254 passes it) is reached too", () => {
  const name = `@ops-sdnotify-${process.pid}-${Date.now()}`;
  const receive = listen(name);
  expect(sdNotify(name, "STATUS=starting\nREADY=1")).toBe(true);
  expect(receive()).toBe("STATUS=starting\nREADY=1");
});

test("without NOTIFY_SOCKET nothing is sent; a socket nobody holds is an error", () => {
  expect(sdNotify(undefined, "READY=1")).toBe(false);
  expect(sdNotify("", "READY=1")).toBe(false);
  expect(() => sdNotify("/nonexistent/ops-notify", "READY=1")).toThrow(/sendto/);
  expect(() => sdNotify("relative", "READY=1")).toThrow(/not a unix socket/);
});

test.each([
  ["/run/systemd/notify", 2 + "/run/systemd/notify".length + 1, 47],
  ["@abc", 2 + 4, 0],
])("sockaddr_un for %s", (path, length, firstPathByte) => {
  const a = unixAddress(path);
  expect(a.length).toBe(length);
  expect(a.bytes[0]).toBe(1); // AF_UNIX, little endian
  expect(a.bytes[2]).toBe(firstPathByte);
});
