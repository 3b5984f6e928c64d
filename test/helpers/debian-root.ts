/**
 * A Debian 12 root file system with systemd, for booting a real systemd in a container
 * (`systemd-nspawn -b`) where the test machine has none as PID 1. Made once with debootstrap
 * (about a minute) and cached under /var/cache/k3rs-test; tests boot it with
 * `--volatile=overlay`, so the cached tree is never written to.
 */
import { existsSync, readFileSync, renameSync, rmSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

export const DEBIAN_ROOT = "/var/cache/k3rs-test/bookworm-systemd";
const PACKAGES = ["systemd", "systemd-sysv", "dbus", "iproute2"];

/** The Debian mirror apt on this machine uses (deb822 `URIs:` or a `deb URL bookworm` line). */
export function aptMirror(): string {
  const deb822 = "/etc/apt/sources.list.d/debian.sources";
  if (existsSync(deb822)) {
    const m = /^URIs:\s*(\S+)/m.exec(readFileSync(deb822, "utf8"));
    if (m) return m[1]!;
  }
  if (existsSync("/etc/apt/sources.list")) {
    const m = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+bookworm\s/m.exec(readFileSync("/etc/apt/sources.list", "utf8"));
    if (m) return m[1]!;
  }
  return "http://deb.debian.org/debian";
}

export async function ensureDebianRoot(root = DEBIAN_ROOT): Promise<string> {
  if (existsSync(join(root, ".k3rs-complete"))) return root;
  const partial = `${root}.partial`;
  // An interrupted debootstrap leaves /proc (and /sys) mounted in its tree: unmount before removing.
  const mounts = readFileSync("/proc/self/mountinfo", "utf8").split("\n").map((l) => l.split(" ")[4]).filter((m): m is string => !!m && m.startsWith(`${partial}/`));
  for (const m of mounts.sort((a, b) => b.length - a.length)) Bun.spawnSync(["umount", "-l", m]);
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(dirname(root), { recursive: true });
  const p = Bun.spawn(["debootstrap", "--variant=minbase", `--include=${PACKAGES.join(",")}`, "bookworm", partial, aptMirror()], { stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  if (code !== 0) throw new Error(`debootstrap failed (${code}): ${(err || out).slice(-2000)}`);
  writeFileSync(join(partial, ".k3rs-complete"), `${PACKAGES.join(" ")}\n`);
  rmSync(root, { recursive: true, force: true });
  renameSync(partial, root);
  return root;
}
