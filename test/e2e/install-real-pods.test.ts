/**
 * killall and uninstall with real pods (containerd, runc, the CNI bridge; root): what an
 * installed node leaves on the machine — container processes, its containerd and shims,
 * mounts, the bridge, NAT and forward rules, pod cgroups — is gone after `k3rs-killall.sh`
 * while the data dir stays, the next install brings the same pod back on new containers, and
 * `k3rs-uninstall.sh` leaves none of it. The image comes air-gapped: an archive dropped into
 * `<data-dir>/agent/images/` before the install.
 *
 * Own names for all of it: data dir and bin dir in a temp dir, service `k3rs-ops-pods-…`,
 * cluster CIDR 10.42.57.0/24, its own port; the host's unreachable routes for 10.42/16 and
 * 10.43/16 first (DESIGN.md). host-gw: the VXLAN device's name is the same for every data dir
 * (src/net/routes), so a test must not make one on the host.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { freePort } from "../helpers/e2e-server.ts";
import { addSafetyRoutes, CAN_RUN_PODS, cleanupRealNode } from "../helpers/real-node.ts";
import { ensureTestImages, BUSYBOX_IMAGE } from "../helpers/test-images.ts";

const root = resolve(import.meta.dir, "../..");
const dist = join(root, "dist");
const name = `ops-pods-${process.pid}`;
const systemName = `k3rs-${name}`;
const tmp = mkdtempSync(join(tmpdir(), "ops-pods-"));
const binDir = join(tmp, "bin");
const systemdDir = join(tmp, "systemd");
const dataDir = join(tmp, "data");
const kubeconfig = join(tmp, "k3rs.yaml");
const podCidr = "10.42.57.0/24";
const dataDirHash = new Bun.CryptoHasher("sha1").update(dataDir).digest("hex").slice(0, 8);
const bridge = `k3rs${dataDirHash}`;
const serviceDevice = `k3rss${dataDirHash}`;
let port = 0;

async function run(cmd: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const p = Bun.spawn(cmd, { env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? "/root", ...env }, stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { code, stdout, stderr };
}

const install = () =>
  run(["sh", join(dist, "install.sh")], {
    INSTALL_K3RS_BIN_DIR: binDir,
    INSTALL_K3RS_SYSTEMD_DIR: systemdDir,
    INSTALL_K3RS_NAME: name,
    INSTALL_K3RS_EXEC: `server --data-dir ${dataDir} --https-listen-port ${port} --node-name ${name} --cluster-cidr ${podCidr} --flannel-backend host-gw --write-kubeconfig ${kubeconfig}`,
  });

const ctl = (...args: string[]) => run([join(binDir, "k3rs"), "ctl", "--kubeconfig", kubeconfig, ...args]);

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, ms = 120_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(250);
  }
}

/** What the node leaves on the machine, read from the machine itself. */
async function footprint() {
  const runcDir = join(dataDir, "agent", "containerd", "runc", "k8s.io");
  const containers = existsSync(runcDir) ? readdirSync(runcDir) : [];
  const inits: number[] = [];
  const cgroups: string[] = [];
  for (const id of containers) {
    try {
      const state = JSON.parse(readFileSync(join(runcDir, id, "state.json"), "utf8"));
      inits.push(state.init_process_pid);
      cgroups.push(...(Object.values(state.cgroup_paths ?? {}) as string[]));
    } catch {}
  }
  const processes = readdirSync("/proc").filter((d) => {
    if (!/^\d+$/.test(d)) return false;
    try {
      return readFileSync(`/proc/${d}/cmdline`, "utf8").includes(dataDir);
    } catch {
      return false;
    }
  });
  const mounts = readFileSync("/proc/self/mountinfo", "utf8").split("\n").map((l) => l.split(" ")[4] ?? "").filter((m) => m.startsWith(dataDir));
  const rules = (await run(["iptables-save"])).stdout.split("\n").filter((l) => l.includes(podCidr));
  const link = (await run(["ip", "link", "show", bridge])).code === 0;
  const svc = (await run(["ip", "link", "show", serviceDevice])).code === 0;
  const unreachable = (await run(["ip", "route", "show", "type", "unreachable", podCidr])).stdout.trim() !== "";
  return { containers, liveInits: inits.filter((p) => existsSync(`/proc/${p}`)), cgroups: [...new Set(cgroups)].filter(existsSync), processes, mounts, rules, bridge: link, serviceDevice: svc, unreachable };
}

async function runningPod(): Promise<{ containerID: string } | false> {
  const r = await ctl("get", "pod", "sleeper", "-n", "default", "-o", "json");
  if (r.code !== 0) return false;
  const pod = JSON.parse(r.stdout);
  const c = pod.status?.containerStatuses?.[0];
  return pod.status?.phase === "Running" && c?.state?.running ? { containerID: c.containerID } : false;
}

describe.skipIf(!CAN_RUN_PODS)("killall and uninstall with real pods", () => {
  beforeAll(async () => {
    await addSafetyRoutes();
    expect((await run(["bun", join(root, "scripts/release.ts")])).code).toBe(0);
    port = await freePort();
    const images = await ensureTestImages();
    mkdirSync(join(dataDir, "agent", "images"), { recursive: true });
    copyFileSync(images.busybox, join(dataDir, "agent", "images", "busybox.tar"));
  }, 180_000);

  afterAll(async () => {
    if (existsSync(join(binDir, `${systemName}-uninstall.sh`))) await run([join(binDir, `${systemName}-uninstall.sh`)]);
    await cleanupRealNode({ dataDir, bridge, podCidr });
    await run(["ip", "link", "del", serviceDevice]);
    await run(["ip", "route", "del", "unreachable", podCidr]);
    rmSync(tmp, { recursive: true, force: true });
  }, 120_000);

  let before: Awaited<ReturnType<typeof footprint>>;
  let firstContainer = "";

  test("installed from the release folder, the node runs a pod from the air-gapped image", async () => {
    const r = await install();
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const manifest = join(tmp, "pod.yaml");
    writeFileSync(manifest, `apiVersion: v1\nkind: Pod\nmetadata: {name: sleeper, namespace: default}\nspec:\n  containers:\n  - {name: c, image: ${BUSYBOX_IMAGE}, command: [sleep, "3600"]}\n`);
    expect((await ctl("apply", "-f", manifest)).code).toBe(0);
    firstContainer = (await until("the pod to run", runningPod)).containerID;
    before = await footprint();
    // What killall must take away is really there.
    expect(before.liveInits.length).toBeGreaterThanOrEqual(2); // sandbox + container
    expect(before.processes.length).toBeGreaterThan(0);
    expect(before.mounts.length).toBeGreaterThan(0);
    expect(before.rules.length).toBeGreaterThan(0);
    expect(before.cgroups.length).toBeGreaterThan(0);
    expect(before.bridge).toBe(true);
    expect(before.serviceDevice).toBe(true);
  }, 240_000);

  test("k3rs-killall.sh: no container, containerd, mount, bridge, rule or pod cgroup is left; the data dir stays", async () => {
    const r = await run([join(binDir, `${systemName}-killall.sh`)]);
    expect(r.code).toBe(0);
    const after = await footprint();
    expect(after).toMatchObject({ liveInits: [], processes: [], mounts: [], rules: [], cgroups: [], bridge: false, serviceDevice: false });
    expect(existsSync(join(dataDir, "server", "db", "state.db"))).toBe(true);
  }, 120_000);

  test("installing again brings the same cluster back and the pod is recreated on new containers", async () => {
    const r = await install();
    expect(r.code).toBe(0);
    const again = await until("the pod to run again", async () => {
      const p = await runningPod();
      return p && p.containerID !== firstContainer && p;
    });
    expect(again.containerID).not.toBe(firstContainer);
  }, 240_000);

  test("k3rs-uninstall.sh leaves nothing: processes, mounts, bridge, rules, cgroups, files", async () => {
    const cgroups = (await footprint()).cgroups;
    expect(cgroups.length).toBeGreaterThan(0);
    const r = await run([join(binDir, `${systemName}-uninstall.sh`)]);
    expect(r.code).toBe(0);
    const after = await footprint();
    expect(after).toMatchObject({ liveInits: [], processes: [], mounts: [], rules: [], bridge: false, serviceDevice: false, unreachable: false });
    expect(cgroups.filter(existsSync)).toEqual([]);
    expect(existsSync(dataDir)).toBe(false);
    expect(readdirSync(binDir)).toEqual([]);
    expect(readdirSync(systemdDir)).toEqual([]);
    for (const p of [kubeconfig, `/run/${systemName}.pid`, `/var/log/k3rs/${systemName}.log`]) expect([p, existsSync(p)]).toEqual([p, false]);
  }, 120_000);
});
