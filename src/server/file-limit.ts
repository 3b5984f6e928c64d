/**
 * Raises RLIMIT_NOFILE for the server: every client connection, watch and agent tunnel is a
 * file descriptor, and at the usual soft limit (1024) a few thousand idle connections would make
 * accept fail for everyone. The soft limit goes up to the hard one; with CAP_SYS_RESOURCE the
 * hard limit goes up to the kernel's `fs.nr_open` first (systemd's LimitNOFILE does that for
 * the installed unit). Bun happens to raise the soft limit itself at start; this does not
 * count on it. Through libc with bun:ffi (works inside `bun build --compile` output, measured);
 * where libc cannot be opened (not glibc) nothing changes and undefined says so.
 */
import { dlopen, FFIType, ptr } from "bun:ffi";
import { readFileSync } from "node:fs";

const RLIMIT_NOFILE = 7; // Linux, every architecture we build for

export interface FileLimit {
  soft: number;
  hard: number;
}

export function raiseFileLimit(): FileLimit | undefined {
  let libc;
  try {
    libc = dlopen("libc.so.6", {
      getrlimit: { args: [FFIType.i32, FFIType.ptr], returns: FFIType.i32 },
      setrlimit: { args: [FFIType.i32, FFIType.ptr], returns: FFIType.i32 },
    });
  } catch {
    return undefined;
  }
  try {
    const { getrlimit, setrlimit } = libc.symbols;
    const lim = new BigUint64Array(2); // struct rlimit { rlim_t cur, max }
    if (getrlimit(RLIMIT_NOFILE, ptr(lim)) !== 0) return undefined;
    const ceiling = kernelCeiling();
    if (ceiling !== undefined && lim[1]! < ceiling) {
      const wanted = new BigUint64Array([ceiling, ceiling]);
      setrlimit(RLIMIT_NOFILE, ptr(wanted)); // refused without CAP_SYS_RESOURCE: keep the hard limit
    }
    if (getrlimit(RLIMIT_NOFILE, ptr(lim)) !== 0) return undefined;
    if (lim[0]! < lim[1]!) {
      lim[0] = lim[1]!;
      setrlimit(RLIMIT_NOFILE, ptr(lim));
      getrlimit(RLIMIT_NOFILE, ptr(lim));
    }
    return { soft: Number(lim[0]), hard: Number(lim[1]) };
  } finally {
    libc.close();
  }
}

function kernelCeiling(): bigint | undefined {
  try {
    return BigInt(readFileSync("/proc/sys/fs/nr_open", "utf8").trim());
  } catch {
    return undefined;
  }
}
