/**
 * The release path a user takes: `npm run release` → dist/ served over HTTP (a loopback
 * Bun.serve) → `curl -sfL URL/install.sh | INSTALL_K3RS_DOWNLOAD_URL=URL sh -` as root.
 *
 * Everything the installer writes goes to this test's temp dir (bin dir, systemd dir, data
 * dir, kubeconfig) or is named after it (INSTALL_K3RS_NAME=ops-…: /run/k3rs-ops-….pid,
 * /var/log/k3rs/k3rs-ops-….log), so the machine's /usr/local/bin and /etc/systemd stay
 * untouched. The first install is the previous commit's build, air-gapped; curl | sh upgrades it.
 * This VM has no systemd as PID 1, so the installer starts its supervised
 * background process; the unit under a real systemd is test/e2e/systemd-unit.test.ts. The
 * server runs `--runtime fake` (hollow pods) to keep this test light: killall's and
 * uninstall's handling of containers and the pod network is not exercised here.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { freePort } from "../helpers/e2e-server.ts";

const root = resolve(import.meta.dir, "../..");
const dist = join(root, "dist");
const name = `ops-${process.pid}`;
const systemName = `k3rs-${name}`;
const tmp = mkdtempSync(join(tmpdir(), "ops-install-"));
const binDir = join(tmp, "bin");
const systemdDir = join(tmp, "systemd");
const dataDir = join(tmp, "data");
const kubeconfig = join(tmp, "k3rs.yaml");
const pidFile = `/run/${systemName}.pid`;
const logFile = `/var/log/k3rs/${systemName}.log`;
const token = `ops${process.pid}secret`;
let port = 0;
let server: ReturnType<typeof Bun.serve> | undefined;
let requests: string[] = [];
/** The executable built from the previous commit, to upgrade from. */
const previousBuild = join(tmp, "previous", "bin", "k3rs");

async function run(cmd: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const p = Bun.spawn(cmd, { env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? "/root", ...env }, stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { code, stdout, stderr };
}

function installEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    INSTALL_K3RS_BIN_DIR: binDir,
    INSTALL_K3RS_SYSTEMD_DIR: systemdDir,
    INSTALL_K3RS_NAME: name,
    INSTALL_K3RS_EXEC: `server --data-dir ${dataDir} --https-listen-port ${port} --node-name ops-install-${process.pid} --runtime fake --write-kubeconfig ${kubeconfig}`,
    K3RS_TOKEN: token,
    ...extra,
  };
}

/** `curl -sfL URL/install.sh | sh -`, exactly as a user types it. */
function curlPipeSh(url: string, env: Record<string, string>) {
  return run(["sh", "-c", `curl -sfL "${url}/install.sh" | sh -`], { ...env, INSTALL_K3RS_DOWNLOAD_URL: url });
}

function ctl(...args: string[]) {
  return run([join(binDir, "k3rs"), "ctl", "--kubeconfig", kubeconfig, ...args]);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Processes whose command line names the test's data dir (k3rs, its supervisor). */
function processesOfDataDir(): number[] {
  const out: number[] = [];
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${d}/cmdline`, "utf8").includes(dataDir)) out.push(Number(d));
    } catch {}
  }
  return out;
}

const base = () => `http://127.0.0.1:${server!.port}`;

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(250);
  }
}

beforeAll(async () => {
  const built = await run(["bun", join(root, "scripts/release.ts")]);
  expect(built.code).toBe(0);
  const previous = join(tmp, "previous");
  mkdirSync(previous);
  expect((await run(["sh", "-c", `git -C "${root}" archive HEAD~1 | tar -x -C "${previous}"`])).code).toBe(0);
  symlinkSync(join(root, "node_modules"), join(previous, "node_modules"));
  const old = await run(["bun", join(previous, "build.ts")]);
  expect(old.stderr + old.stdout).toContain("built bin/k3rs");
  port = await freePort();
  const sums = readFileSync(join(dist, "sha256sum.txt"), "utf8");
  // /bad/ serves the same files with a sha256sum.txt that names another k3rs.
  const badSums = sums.replace(/^([0-9a-f]{64})(\s+k3rs)$/m, (_, h: string, rest: string) => `${h.replace(/^./, (c) => (c === "0" ? "1" : "0"))}${rest}`);
  server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch(req) {
      const path = new URL(req.url).pathname;
      requests.push(path);
      const file = path.split("/").pop()!;
      if (path.startsWith("/bad/") && file === "sha256sum.txt") return new Response(badSums);
      if (!["k3rs", "install.sh", "sha256sum.txt"].includes(file)) return new Response("not found", { status: 404 });
      return new Response(Bun.file(join(dist, file)));
    },
  });
}, 120_000);

afterAll(async () => {
  // Whatever a failed step left: the uninstall script, else the processes by PID.
  if (existsSync(join(binDir, `${systemName}-uninstall.sh`))) await run([join(binDir, `${systemName}-uninstall.sh`)]);
  for (const pid of processesOfDataDir()) process.kill(pid, "SIGKILL");
  rmSync(pidFile, { force: true });
  rmSync(logFile, { force: true });
  server?.stop(true);
  rmSync(tmp, { recursive: true, force: true });
}, 60_000);

describe("curl | sh from a release served over HTTP", () => {
  test("a download whose sha256 differs from sha256sum.txt is refused, and nothing is installed", async () => {
    const r = await curlPipeSh(`${base()}/bad`, installEnv());
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("sha256 mismatch for k3rs");
    expect(r.stderr).toContain("nothing installed");
    expect(existsSync(join(binDir, "k3rs"))).toBe(false);
    expect(existsSync(join(systemdDir, `${systemName}.service`))).toBe(false);
  }, 60_000);

  test("INSTALL_K3RS_VERSION fetches URL/VERSION/ and refuses an executable of another version", async () => {
    requests = [];
    const r = await curlPipeSh(base(), installEnv({ INSTALL_K3RS_VERSION: "v9.9.9" }));
    expect(r.code).not.toBe(0);
    expect(requests).toContain("/v9.9.9/k3rs");
    expect(r.stderr).toContain("not v9.9.9; nothing installed");
    expect(existsSync(join(binDir, "k3rs"))).toBe(false);
  }, 60_000);

  test("air-gapped install of the previous commit's build (INSTALL_K3RS_SKIP_DOWNLOAD, the executable already in the bin dir)", async () => {
    mkdirSync(binDir, { recursive: true });
    copyFileSync(previousBuild, join(binDir, "k3rs"));
    chmodSync(join(binDir, "k3rs"), 0o755);
    requests = [];
    const script = join(tmp, "install.sh");
    writeFileSync(script, readFileSync(join(dist, "install.sh")));
    const r = await run(["sh", script], installEnv({ INSTALL_K3RS_SKIP_DOWNLOAD: "true" }));
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(requests).toEqual([]);
    expect((await ctl("get", "nodes")).stdout).toMatch(new RegExp(`^ops-install-${process.pid}\\s+Ready\\s`, "m"));
    const manifest = join(tmp, "marker.yaml");
    writeFileSync(manifest, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ops-marker\n  namespace: default\ndata:\n  kept: \"yes\"\n");
    expect((await ctl("apply", "-f", manifest)).code).toBe(0);
  }, 180_000);

  test("curl | sh over it: upgrades the executable, writes the unit with its env file, killall and uninstall, restarts and waits until the node is Ready; the cluster is kept", async () => {
    const tokenBefore = readFileSync(join(dataDir, "server", "token"), "utf8");
    const r = await curlPipeSh(base(), installEnv());
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("k3rs is ready");
    expect((await run([join(binDir, "k3rs"), "--version"])).stdout).toBe((await run([join(dist, "k3rs"), "--version"])).stdout);
    const unit = readFileSync(join(systemdDir, `${systemName}.service`), "utf8");
    for (const line of ["Type=notify", "KillMode=process", "Delegate=yes", "Restart=always", "LimitNOFILE=1048576", `EnvironmentFile=-${join(systemdDir, `${systemName}.service.env`)}`]) expect(unit).toContain(`\n${line}\n`);
    expect(unit).toContain(`\nExecStart=${binDir}/k3rs server "--data-dir" "${dataDir}" "--https-listen-port" "${port}"`);
    const envFile = join(systemdDir, `${systemName}.service.env`);
    expect(readFileSync(envFile, "utf8")).toBe(`K3RS_TOKEN='${token}'\n`);
    expect(statSync(envFile).mode & 0o777).toBe(0o600);
    // Enabled without a running systemd, so an image prepared like this boots with it.
    expect(readlinkSync(join(systemdDir, "multi-user.target.wants", `${systemName}.service`))).toBe(join(systemdDir, `${systemName}.service`));
    for (const s of ["killall", "uninstall"]) expect(statSync(join(binDir, `${systemName}-${s}.sh`)).mode & 0o111).toBe(0o111);
    expect(alive(Number(readFileSync(pidFile, "utf8")))).toBe(true);

    expect((await ctl("get", "nodes")).stdout).toMatch(new RegExp(`^ops-install-${process.pid}\\s+Ready\\s`, "m"));
    // The join token carries the secret from K3RS_TOKEN, through the env file, and is the same as before the upgrade.
    expect(readFileSync(join(dataDir, "server", "token"), "utf8")).toBe(tokenBefore);
    expect(tokenBefore).toContain(`::server:${token}`);
    const cm = await ctl("get", "configmap", "ops-marker", "-n", "default", "-o", "json");
    expect(cm.code).toBe(0);
    expect(JSON.parse(cm.stdout).data).toEqual({ kept: "yes" });
  }, 180_000);

  test("k3rs-killall.sh stops k3rs and its supervisor and keeps the data dir", async () => {
    const supervisor = Number(readFileSync(pidFile, "utf8"));
    const r = await run([join(binDir, `${systemName}-killall.sh`)]);
    expect(r.code).toBe(0);
    expect(alive(supervisor)).toBe(false);
    expect(processesOfDataDir()).toEqual([]);
    expect(existsSync(pidFile)).toBe(false);
    expect(existsSync(join(dataDir, "server", "db", "state.db"))).toBe(true);
    expect((await ctl("get", "nodes")).code).not.toBe(0);
  }, 60_000);

  test("a store written by a newer k3rs (a downgrade) is refused with a message that says so, and nothing keeps running", async () => {
    const db = join(dataDir, "server", "db", "state.db");
    const raw = new Database(db);
    const schema = (raw.query("PRAGMA user_version").get() as { user_version: number }).user_version;
    raw.run("PRAGMA user_version = 99");
    raw.close();
    try {
      const r = await run(["sh", join(tmp, "install.sh")], installEnv({ INSTALL_K3RS_SKIP_DOWNLOAD: "true" }));
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain("has schema version 99, written by a newer k3rs");
      expect(r.stderr).toContain(`${systemName} failed to start; it is stopped`);
      expect(processesOfDataDir()).toEqual([]);
    } finally {
      const back = new Database(db);
      back.run(`PRAGMA user_version = ${schema}`);
      back.close();
    }
  }, 180_000);

  test("installing again, air-gapped, brings the same cluster back; a manifest dropped into server/manifests meanwhile is applied at start", async () => {
    const tokenBefore = readFileSync(join(dataDir, "server", "token"), "utf8");
    mkdirSync(join(dataDir, "server", "manifests"), { recursive: true });
    writeFileSync(join(dataDir, "server", "manifests", "ops-app.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ops-app, namespace: default}\ndata: {shipped: with-the-box}\n");
    requests = [];
    const r = await run(["sh", join(tmp, "install.sh")], installEnv({ INSTALL_K3RS_SKIP_DOWNLOAD: "true" }));
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(requests).toEqual([]);
    expect(readFileSync(join(dataDir, "server", "token"), "utf8")).toBe(tokenBefore);
    const cm = await ctl("get", "configmap", "ops-marker", "-n", "default", "-o", "json");
    expect(cm.code).toBe(0);
    expect(JSON.parse(cm.stdout).data).toEqual({ kept: "yes" });
    const app = await until("the auto-deployed manifest", async () => {
      const r = await ctl("get", "configmap", "ops-app", "-n", "default", "-o", "json");
      return r.code === 0 && JSON.parse(r.stdout);
    });
    expect(app.data).toEqual({ shipped: "with-the-box" });
  }, 180_000);

  test("re-running the installer while it runs restarts it: same data, same token", async () => {
    const before = Number(readFileSync(pidFile, "utf8"));
    const tokenBefore = readFileSync(join(dataDir, "server", "token"), "utf8");
    const r = await curlPipeSh(base(), installEnv());
    expect(r.code).toBe(0);
    const after = Number(readFileSync(pidFile, "utf8"));
    expect(after).not.toBe(before);
    expect(alive(before)).toBe(false);
    expect(readFileSync(join(dataDir, "server", "token"), "utf8")).toBe(tokenBefore);
    expect((await ctl("get", "configmap", "ops-marker", "-n", "default")).code).toBe(0);
  }, 180_000);

  test("K3RS_URL and K3RS_TOKEN install an agent (its own unit and scripts) that joins; its uninstall keeps the server's executable", async () => {
    const agentName = `ops-agent-${process.pid}`;
    const agentData = join(tmp, "agent-data");
    const joinToken = readFileSync(join(dataDir, "server", "token"), "utf8").trim();
    const r = await curlPipeSh(base(), {
      INSTALL_K3RS_BIN_DIR: binDir,
      INSTALL_K3RS_SYSTEMD_DIR: systemdDir,
      INSTALL_K3RS_NAME: agentName,
      INSTALL_K3RS_EXEC: `--data-dir ${agentData} --node-name ${agentName} --runtime fake`,
      K3RS_URL: `https://127.0.0.1:${port}`,
      K3RS_TOKEN: joinToken,
    });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const unit = readFileSync(join(systemdDir, `k3rs-${agentName}.service`), "utf8");
    expect(unit).toContain(`\nExecStart=${binDir}/k3rs agent "--data-dir" "${agentData}"`);
    const envLines = readFileSync(join(systemdDir, `k3rs-${agentName}.service.env`), "utf8").trim().split("\n").sort();
    expect(envLines).toEqual([`K3RS_TOKEN='${joinToken}'`, `K3RS_URL='https://127.0.0.1:${port}'`]);
    const nodes = await until("the agent's node to be Ready", async () => {
      const n = await ctl("get", "nodes");
      return new RegExp(`^${agentName}\\s+Ready\\s`, "m").test(n.stdout) && n;
    });
    expect(nodes.stdout).toContain(agentName);

    const u = await run([join(binDir, `k3rs-${agentName}-uninstall.sh`)]);
    expect(u.code).toBe(0);
    expect(existsSync(agentData)).toBe(false);
    expect(existsSync(join(systemdDir, `k3rs-${agentName}.service`))).toBe(false);
    expect(existsSync(`/run/k3rs-${agentName}.pid`)).toBe(false);
    expect(existsSync(join(binDir, "k3rs"))).toBe(true);
    expect((await ctl("get", "nodes")).code).toBe(0);
  }, 180_000);

  test("k3rs-uninstall.sh leaves nothing of what the installer made", async () => {
    const r = await run([join(binDir, `${systemName}-uninstall.sh`)]);
    expect(r.code).toBe(0);
    expect(processesOfDataDir()).toEqual([]);
    expect(readdirSync(binDir)).toEqual([]);
    expect(readdirSync(systemdDir)).toEqual([]);
    for (const p of [dataDir, kubeconfig, pidFile, logFile]) expect([p, existsSync(p)]).toEqual([p, false]);
  }, 60_000);
});
