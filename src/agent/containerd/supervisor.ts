/**
 * The agent's own containerd: started detached, adopted across agent restarts.
 *
 * Fail-static: containerd runs in its own session (setsid), so neither a crash of the agent
 * nor a signal to the agent's process group stops it, and the shims it starts keep the
 * containers running in any case. A restarted agent finds containerd through the pid file
 * and reuses it when the PID still runs *our* containerd (same --config) and its CRI
 * answers. Only a changed config makes the agent restart it; containers survive that too.
 *
 * Lifecycle of one data dir:
 *
 *   no pid file / dead PID ──spawn──▶ starting ──CRI answers──▶ running ◀─┐
 *   running, same config ─────────────────────────── adopt ───────────────┘
 *   running, config changed / not answering ──SIGTERM──▶ spawn again
 *   stop() ──SIGTERM (SIGKILL after the timeout) to that PID only──▶ gone
 *
 * @example
 *   const containerd = await startContainerd({ dataDir, sandboxImage, cniBinDir, cniConfDir });
 *   const cri = new CriClient(containerd.endpoint);
 *   …
 *   await containerd.stop(); // only when the node is being torn down for good
 */
import { existsSync, mkdirSync, openSync, closeSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname } from "node:path";
import { log } from "../../log.ts";
import { CriClient, type VersionInfo } from "../cri/cri-client.ts";
import { containerdConfig, containerdPaths, type ContainerdConfigOptions } from "./config.ts";
import { commandLine, isRunning, signalProcess, waitForExit } from "./pid.ts";

export interface StartContainerdOptions extends ContainerdConfigOptions {
  /** Default /usr/bin/containerd. */
  binary?: string;
  /** How long a fresh containerd may take until its CRI answers. Default 60 s. */
  readyTimeoutMs?: number;
  /**
   * containerd's environment. Default: the agent's, with the sbin directories on PATH,
   * because containerd finds runc (Debian: /usr/sbin/runc) through PATH.
   */
  env?: Record<string, string | undefined>;
  signal?: AbortSignal;
}

export interface ContainerdProcess {
  /** `unix://` address of containerd's socket, for CriClient. */
  endpoint: string;
  pid: number;
  /** True when an already running containerd (from an earlier agent) was reused. */
  adopted: boolean;
  version: VersionInfo;
  paths: ReturnType<typeof containerdPaths>;
  /** SIGTERM to this containerd's PID alone, SIGKILL after timeoutMs (default 30 s); waits. */
  stop(timeoutMs?: number): Promise<void>;
}

const ADOPT_TIMEOUT_MS = 10_000;
const SBIN_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

export async function startContainerd(o: StartContainerdOptions): Promise<ContainerdProcess> {
  const paths = containerdPaths(o.dataDir);
  const binary = o.binary ?? "/usr/bin/containerd";
  const text = containerdConfig({ ...o, disableApparmor: o.disableApparmor ?? hostNeedsApparmorDisabled() });
  mkdirSync(o.dataDir, { recursive: true, mode: 0o700 });
  mkdirSync(dirname(paths.socket), { recursive: true, mode: 0o700 });
  mkdirSync(o.cniConfDir, { recursive: true });

  const running = runningContainerd(paths);
  if (running !== undefined) {
    if (readText(paths.config) === text) {
      const version = await answers(paths.socket, ADOPT_TIMEOUT_MS, o.signal);
      if (version) {
        log.info("containerd: adopted the running one", { pid: running, socket: paths.socket });
        return handle(running, true, version, paths);
      }
      log.warn("containerd: running but its CRI does not answer; restarting it", { pid: running });
    } else {
      log.info("containerd: config changed; restarting it (containers keep running)", { pid: running });
    }
    await stopPid(running, 30_000);
  }

  writeAtomic(paths.config, text);
  // A socket left by a dead containerd would be dialled (and refuse) before the new one binds.
  rmSync(paths.socket, { force: true });
  rmSync(`${paths.socket}.ttrpc`, { force: true });

  const logFd = openSync(paths.log, "a");
  let child: ReturnType<typeof Bun.spawn>;
  try {
    child = Bun.spawn({
      cmd: [binary, "--config", paths.config],
      cwd: o.dataDir,
      env: o.env ?? { ...process.env, PATH: process.env.PATH ? `${process.env.PATH}:${SBIN_PATH}` : SBIN_PATH },
      stdio: ["ignore", logFd, logFd],
      detached: true,
    });
  } catch (cause) {
    throw new Error(`starting containerd (${binary})`, { cause });
  } finally {
    closeSync(logFd);
  }
  // The agent must be free to exit while containerd lives on.
  child.unref();
  const pid = child.pid;
  writeAtomic(paths.pidFile, `${pid}\n`);

  // Stop waiting for the socket as soon as containerd dies (a bad config exits at once).
  const died = new AbortController();
  void child.exited.then(() => died.abort());
  const cri = new CriClient(paths.socket);
  try {
    const signal = o.signal ? AbortSignal.any([o.signal, died.signal]) : died.signal;
    const version = await cri.waitReady(o.readyTimeoutMs ?? 60_000, signal);
    log.info("containerd: started", { pid, socket: paths.socket, version: version.runtimeVersion });
    return handle(pid, false, version, paths);
  } catch (cause) {
    const exited = !isRunning(pid);
    // Not serving anything yet: a half-started containerd is ours to stop.
    if (!exited) await stopPid(pid, 10_000);
    rmSync(paths.pidFile, { force: true });
    const why = exited ? "containerd exited while starting" : `containerd did not answer on ${paths.socket}`;
    throw new Error(`${why}; the end of ${paths.log}:\n${logTail(paths.log)}`, { cause });
  } finally {
    cri.close();
  }
}

/**
 * CRI's AppArmor profile needs `apparmor_parser`; where the kernel has AppArmor on but the
 * tool is missing, every container would fail to start unless the profile is turned off.
 */
export function hostNeedsApparmorDisabled(): boolean {
  const enabled = readText("/sys/module/apparmor/parameters/enabled")?.startsWith("Y") ?? false;
  return enabled && !["/sbin/apparmor_parser", "/usr/sbin/apparmor_parser"].some((p) => existsSync(p));
}

/** The PID in the pid file when it still runs containerd with this data dir's config. */
function runningContainerd(paths: ReturnType<typeof containerdPaths>): number | undefined {
  const pid = Number.parseInt(readText(paths.pidFile) ?? "", 10);
  if (!isRunning(pid)) return undefined;
  const argv = commandLine(pid) ?? [];
  const configAt = argv.indexOf("--config");
  const ours = basename(argv[0] ?? "").startsWith("containerd") && configAt > 0 && argv[configAt + 1] === paths.config;
  return ours ? pid : undefined;
}

async function answers(socket: string, timeoutMs: number, signal?: AbortSignal): Promise<VersionInfo | undefined> {
  const cri = new CriClient(socket);
  try {
    return await cri.waitReady(timeoutMs, signal);
  } catch {
    return undefined;
  } finally {
    cri.close();
  }
}

function handle(pid: number, adopted: boolean, version: VersionInfo, paths: ReturnType<typeof containerdPaths>): ContainerdProcess {
  return {
    endpoint: `unix://${paths.socket}`,
    pid,
    adopted,
    version,
    paths,
    async stop(timeoutMs = 30_000) {
      await stopPid(pid, timeoutMs);
      // Keep a pid file that a newer containerd has written meanwhile.
      if (Number.parseInt(readText(paths.pidFile) ?? "", 10) === pid) rmSync(paths.pidFile, { force: true });
    },
  };
}

async function stopPid(pid: number, timeoutMs: number): Promise<void> {
  if (!signalProcess(pid, "SIGTERM")) return;
  if (await waitForExit(pid, timeoutMs)) return;
  log.warn("containerd: still running after SIGTERM; sending SIGKILL", { pid });
  signalProcess(pid, "SIGKILL");
  if (!(await waitForExit(pid, 10_000))) throw new Error(`containerd (PID ${pid}) did not exit after SIGKILL`);
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

/** Write-then-rename, so a crash never leaves a half-written config or pid file behind. */
function writeAtomic(path: string, text: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, text, { mode: 0o600 });
  renameSync(tmp, path);
}

function logTail(path: string, bytes = 4096): string {
  const text = readText(path) ?? "";
  return text.slice(-bytes).trimEnd();
}
