/**
 * systemd's readiness protocol (sd_notify(3)): one datagram such as "READY=1" to the unix
 * socket named in $NOTIFY_SOCKET, which systemd sets for `Type=notify` units.
 *
 * Written by hand because nothing in Bun sends unix datagrams: node:dgram knows only UDP,
 * Bun.udpSocket too, and the npm `sd-notify` packages are native addons a compiled executable
 * cannot load. libc through bun:ffi is three calls. Spawning `systemd-notify --ready` instead
 * would need NotifyAccess=all and races its own exit (systemd may no longer find the sender's
 * unit), which is why the main process sends itself.
 */
import { dlopen, FFIType, ptr } from "bun:ffi";

const AF_UNIX = 1;
const SOCK_DGRAM = 2;
const SOCK_CLOEXEC = 0o2000000;
/** sizeof(struct sockaddr_un): sa_family_t, then 108 bytes of path. */
const SUN_PATH_MAX = 108;

let libc: ReturnType<typeof openLibc> | undefined;
function openLibc() {
  return dlopen("libc.so.6", {
    socket: { args: [FFIType.i32, FFIType.i32, FFIType.i32], returns: FFIType.i32 },
    sendto: { args: [FFIType.i32, FFIType.ptr, FFIType.u64, FFIType.i32, FFIType.ptr, FFIType.u32], returns: FFIType.i64 },
    close: { args: [FFIType.i32], returns: FFIType.i32 },
  }).symbols;
}

/**
 * A sockaddr_un for `path`; a leading "@" names an abstract socket (its first byte NUL, no
 * terminator), as systemd writes it in $NOTIFY_SOCKET.
 */
export function unixAddress(path: string): { bytes: Uint8Array; length: number } {
  const name = Buffer.from(path.startsWith("@") ? "\0" + path.slice(1) : path);
  const abstract = path.startsWith("@");
  if (name.length + (abstract ? 0 : 1) > SUN_PATH_MAX) throw new Error(`unix socket path too long: ${path}`);
  const bytes = new Uint8Array(2 + SUN_PATH_MAX);
  new DataView(bytes.buffer).setUint16(0, AF_UNIX, true);
  bytes.set(name, 2);
  return { bytes, length: 2 + name.length + (abstract ? 0 : 1) };
}

/**
 * Sends `state` (e.g. "READY=1", "STOPPING=1", "STATUS=…") to systemd. Returns false when not
 * run by systemd (`socketPath` undefined or empty); throws when the socket cannot be reached.
 *
 * @example sdNotify(process.env.NOTIFY_SOCKET, "READY=1")
 */
export function sdNotify(socketPath: string | undefined, state: string): boolean {
  if (!socketPath) return false;
  if (!socketPath.startsWith("/") && !socketPath.startsWith("@")) throw new Error(`NOTIFY_SOCKET is not a unix socket: ${socketPath}`);
  libc ??= openLibc();
  const addr = unixAddress(socketPath);
  const msg = Buffer.from(state);
  const fd = libc.socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw new Error("sd_notify: socket(AF_UNIX, SOCK_DGRAM) failed");
  try {
    const sent = Number(libc.sendto(fd, ptr(msg), msg.length, 0, ptr(addr.bytes), addr.length));
    if (sent !== msg.length) throw new Error(`sd_notify: sendto ${socketPath} failed`);
  } finally {
    libc.close(fd);
  }
  return true;
}
