/**
 * The unit install.sh writes, under a real systemd. This VM has none as PID 1, so a Debian 12
 * root (debootstrap, cached: test/helpers/debian-root.ts) is used through a writable overlay
 * of this test (the cached tree is never written), in two steps as an image builder would:
 * first install.sh runs in it with no systemd running (`systemd-nspawn` without `-b`,
 * INSTALL_K3RS_SKIP_START), then the image boots (`systemd-nspawn --register=no --keep-unit
 * -b`) and must come up with k3rs running. `--private-network` gives it its own port 6443;
 * dist/ is bound in read-only and the installer runs from it, as from a copied release
 * folder; commands run inside the booted container through nsenter.
 *
 * The server runs `--runtime fake`: containerd is not in the root (and runc inside nspawn
 * would need more than this test is about). So KillMode=process is shown with a process put
 * into the service's cgroup by hand — the place containerd and its shims would be — which
 * `systemctl stop` must leave running.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { ensureDebianRoot } from "../helpers/debian-root.ts";

const root = resolve(import.meta.dir, "../..");
const dist = join(root, "dist");
const work = mkdtempSync(join(tmpdir(), "ops-nspawn-"));
const image = join(work, "merged");
const EXEC = "server --runtime fake --node-name ops-nspawn";
let mounted = false;
let prepared: { code: number; stdout: string; stderr: string } | undefined;
let nspawn: ReturnType<typeof Bun.spawn> | undefined;
let leader = 0;

async function run(cmd: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const p = Bun.spawn(cmd, { env: { PATH: process.env.PATH!, ...env }, stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { code, stdout, stderr };
}

/** A shell command inside the container (all its namespaces, its root). */
function inside(script: string) {
  return run(["nsenter", "-t", String(leader), "-m", "-u", "-i", "-n", "-p", "-C", "-r", "-w", "env", "-i", "PATH=/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "sh", "-c", script]);
}

async function show(unit: string): Promise<Record<string, string>> {
  const r = await inside(`systemctl show ${unit} -p Type -p KillMode -p Delegate -p Restart -p LimitNOFILE -p ActiveState -p SubState -p StatusText -p MainPID -p NRestarts -p ControlGroup`);
  return Object.fromEntries(r.stdout.trim().split("\n").map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
}

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(200);
  }
}

/** The container's PID 1: the `systemd` whose parent is our nspawn. */
function findLeader(parent: number): number {
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === parent && readFileSync(`/proc/${d}/comm`, "utf8").trim() === "systemd") return Number(d);
    } catch {}
  }
  return 0;
}

beforeAll(async () => {
  const built = await run(["bun", join(root, "scripts/release.ts")]);
  expect(built.code).toBe(0);
  const debian = await ensureDebianRoot();
  for (const d of ["upper", "wk", "merged"]) mkdirSync(join(work, d));
  const m = await run(["mount", "-t", "overlay", "overlay", "-o", `lowerdir=${debian},upperdir=${join(work, "upper")},workdir=${join(work, "wk")}`, image]);
  expect(m.stderr).toBe("");
  mounted = true;
  const nspawnArgs = ["systemd-nspawn", "--register=no", "--keep-unit", "-D", image, "--private-network", `--machine=ops-k3rs-${process.pid}`, `--bind-ro=${dist}:/k3rs-dist`];
  // The image builder's step: no systemd running, nothing started.
  prepared = await run([...nspawnArgs, "--console=pipe", "--quiet", "sh", "-c", `cd /k3rs-dist && INSTALL_K3RS_SKIP_START=true INSTALL_K3RS_EXEC="${EXEC}" ./install.sh`]);
  nspawn = Bun.spawn([...nspawnArgs, "--console=passive", "-b"], { stdout: "pipe", stderr: "pipe" });
  leader = await until("the container's systemd", async () => findLeader(nspawn!.pid) || (nspawn!.exitCode !== null ? Promise.reject(new Error(`systemd-nspawn exited ${nspawn!.exitCode}: ${await new Response(nspawn!.stderr as ReadableStream).text()}`)) : 0));
  await until("boot to finish", async () => {
    const r = await inside("systemctl is-system-running");
    return ["running", "degraded"].includes(r.stdout.trim());
  });
}, 600_000);

afterAll(async () => {
  if (nspawn) {
    nspawn.kill("SIGTERM"); // nspawn asks the container's systemd to power off
    const exited = await Promise.race([nspawn.exited.then(() => true), Bun.sleep(30_000).then(() => false)]);
    if (!exited) nspawn.kill("SIGKILL");
    await nspawn.exited;
  }
  if (mounted && (await run(["umount", image])).code !== 0) await run(["umount", "-l", image]);
  // Only once nothing is mounted there: the overlay's lower tree is the shared cache.
  if (!readFileSync("/proc/self/mountinfo", "utf8").includes(` ${image} `)) rmSync(work, { recursive: true, force: true });
}, 60_000);

test("an image prepared without systemd running (INSTALL_K3RS_SKIP_START) boots with k3rs.service started and reporting ready", async () => {
  // (nspawn itself may say something on stderr as it leaves; the installer's errors start with [k3rs].)
  expect(prepared!.stderr).not.toContain("[k3rs]");
  expect(prepared!.code).toBe(0);
  expect(prepared!.stdout).toContain("not starting (INSTALL_K3RS_SKIP_START)");
  const s = await until("k3rs.service to be up after boot", async () => {
    const u = await show("k3rs");
    return u.ActiveState === "active" && u;
  });
  expect(s).toMatchObject({ Type: "notify", SubState: "running", NRestarts: "0" });
  expect(s.StatusText).toBe("serving on port 6443");
  expect((await inside("systemctl is-enabled k3rs")).stdout.trim()).toBe("enabled");
  expect((await inside("journalctl -u k3rs --no-pager")).stdout).toContain("k3rs server ready");
}, 180_000);

test("install.sh again under systemd: the service restarts (Type=notify: it says READY=1 itself, with its status text), same cluster", async () => {
  const before = await show("k3rs");
  const token = (await inside("cat /var/lib/k3rs/server/token")).stdout;
  const r = await inside(`cd /k3rs-dist && INSTALL_K3RS_EXEC="${EXEC}" ./install.sh`);
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  expect(r.stdout).toContain("started k3rs.service");
  expect(r.stdout).toContain("k3rs is ready");
  const s = await show("k3rs");
  expect(s).toMatchObject({ Type: "notify", KillMode: "process", Delegate: "yes", Restart: "always", LimitNOFILE: "1048576", ActiveState: "active", SubState: "running" });
  expect(s.MainPID).not.toBe(before.MainPID);
  // Only our READY=1 message carries this status: systemd got it from the main process.
  expect(s.StatusText).toBe("serving on port 6443");
  expect((await inside("cat /var/lib/k3rs/server/token")).stdout).toBe(token);
}, 180_000);

test("kill -9 of the main process: systemd starts it again (Restart=always) and it reports ready again", async () => {
  const before = await show("k3rs");
  expect((await inside(`kill -9 ${before.MainPID}`)).code).toBe(0);
  const after = await until("a restarted, ready k3rs", async () => {
    const s = await show("k3rs");
    return s.NRestarts === String(Number(before.NRestarts) + 1) && s.ActiveState === "active" && s.SubState === "running" && s.MainPID !== before.MainPID && s.MainPID !== "0" && s;
  });
  expect(after.StatusText).toBe("serving on port 6443");
}, 120_000);

test("systemctl stop ends k3rs only (KillMode=process): a process in the service's cgroup keeps running", async () => {
  const s = await show("k3rs");
  // Where containerd and its shims live: in the service's cgroup, beside k3rs.
  const started = await inside(
    `for h in /sys/fs/cgroup/unified /sys/fs/cgroup/systemd /sys/fs/cgroup; do [ -w "$h${s.ControlGroup}/cgroup.procs" ] && { sh -c 'echo $$ > "$0/cgroup.procs"; exec sleep 600' "$h${s.ControlGroup}" >/dev/null 2>&1 & echo $!; break; }; done`,
  );
  const pid = started.stdout.trim();
  expect(pid).toMatch(/^\d+$/);
  await until("the process to be in k3rs.service", async () => (await inside(`cat /proc/${pid}/cgroup`)).stdout.includes("/k3rs.service"));
  expect((await inside("systemctl stop k3rs")).code).toBe(0);
  expect((await show("k3rs")).ActiveState).toBe("inactive");
  expect((await inside(`kill -0 ${pid}`)).code).toBe(0);
  await inside(`kill ${pid}`);
}, 120_000);

test("k3rs-killall.sh under systemd stops the service and keeps the data; systemctl start brings the same cluster back", async () => {
  expect((await inside("systemctl start k3rs")).code).toBe(0);
  const token = (await inside("cat /var/lib/k3rs/server/token")).stdout;
  expect((await inside("k3rs-killall.sh")).code).toBe(0);
  expect(await show("k3rs")).toMatchObject({ ActiveState: "inactive", MainPID: "0" });
  expect((await inside("ls /proc/*/exe -l 2>/dev/null | grep -c /usr/local/bin/k3rs")).stdout.trim()).toBe("0");
  expect((await inside("test -f /var/lib/k3rs/server/db/state.db")).code).toBe(0);
  expect((await inside("systemctl start k3rs")).code).toBe(0);
  expect((await show("k3rs")).StatusText).toBe("serving on port 6443");
  expect((await inside("cat /var/lib/k3rs/server/token")).stdout).toBe(token);
}, 120_000);

test("k3rs-uninstall.sh under systemd: the unit is stopped, disabled and gone, and nothing it made is left", async () => {
  expect((await inside("k3rs-uninstall.sh")).code).toBe(0);
  expect((await inside("systemctl cat k3rs")).code).not.toBe(0);
  expect((await inside("ls /proc/*/exe -l 2>/dev/null | grep -c /usr/local/bin/k3rs")).stdout.trim()).toBe("0");
  const left = await inside(
    "ls -d /etc/systemd/system/k3rs.service /etc/systemd/system/k3rs.service.env /etc/systemd/system/multi-user.target.wants/k3rs.service /usr/local/bin/k3rs /usr/local/bin/k3rs-killall.sh /usr/local/bin/k3rs-uninstall.sh /var/lib/k3rs /etc/k3rs /run/k3rs 2>/dev/null",
  );
  expect(left.stdout).toBe("");
  // (Hollow pods make no pod network: that cleanup is test/e2e/install-real-pods.test.ts's.)
}, 120_000);
