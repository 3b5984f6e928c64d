/**
 * The agent's own containerd, for real: started from its generated config, answering CRI,
 * surviving the death of the process that started it and adopted by the next one, restarted
 * when its config changes, and stopped by PID. Root and /usr/bin/containerd only (CI has both).
 */
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { startContainerd, type ContainerdProcess, type StartContainerdOptions } from "../../src/agent/containerd/supervisor.ts";
import { isRunning, signalProcess, waitForExit } from "../../src/agent/containerd/pid.ts";
import { CriClient } from "../../src/agent/cri/cri-client.ts";

const runnable = process.getuid?.() === 0 && existsSync("/usr/bin/containerd");
const root = join(import.meta.dir, "../..");

/** Everything this file starts, stopped and removed in afterAll even when a test fails. */
const started = new Set<number>();
const dirs: string[] = [];

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "k3rs-containerd-it-"));
  dirs.push(dir);
  return dir;
}

function options(dir: string, extra: Partial<StartContainerdOptions> = {}): StartContainerdOptions {
  return {
    dataDir: join(dir, "containerd"),
    sandboxImage: "docker.io/k3rs/pause:3.9",
    cniBinDir: "/usr/lib/cni",
    cniConfDir: join(dir, "net.d"),
    ...extra,
  };
}

async function start(o: StartContainerdOptions): Promise<ContainerdProcess> {
  const c = await startContainerd(o);
  started.add(c.pid);
  return c;
}

/** Unmounts whatever containerd left mounted below `dir` (deepest first), then removes it. */
function removeDir(dir: string): void {
  const mounts = readFileSync("/proc/self/mounts", "utf8")
    .split("\n")
    .map((l) => l.split(" ")[1]?.replace(/\\040/g, " "))
    .filter((m): m is string => !!m && (m === dir || m.startsWith(`${dir}/`)))
    .sort((a, b) => b.length - a.length);
  for (const m of mounts) Bun.spawnSync(["umount", "-l", m]);
  rmSync(dir, { recursive: true, force: true });
}

afterAll(async () => {
  for (const pid of started) {
    if (isRunning(pid) && signalProcess(pid, "SIGTERM") && !(await waitForExit(pid, 30_000))) signalProcess(pid, "SIGKILL");
  }
  for (const dir of dirs) removeDir(dir);
});

describe.skipIf(!runnable)("agent's containerd", () => {
  test("starts from its config and answers CRI", async () => {
    const dir = tempDir();
    const containerd = await start(options(dir));
    expect(containerd.adopted).toBe(false);
    expect(containerd.endpoint).toBe(`unix://${join(dir, "containerd", "containerd.sock")}`);
    expect(readFileSync(join(dir, "containerd", "containerd.pid"), "utf8").trim()).toBe(String(containerd.pid));

    const cri = new CriClient(containerd.endpoint);
    try {
      const version = await cri.call("RuntimeService", "Version", { version: "v1" });
      expect(version.runtimeName).toBe("containerd");
      expect(version.runtimeApiVersion).toBe("v1");

      const status = await cri.call("RuntimeService", "Status", {});
      expect(status.status.conditions).toContainEqual(expect.objectContaining({ type: "RuntimeReady", status: true }));

      const fs = await cri.call("ImageService", "ImageFsInfo", {});
      expect(fs.imageFilesystems[0].fsId.mountpoint).toStartWith(join(dir, "containerd", "root"));

      expect((await cri.call("RuntimeService", "ListPodSandbox", {})).items).toEqual([]);
      expect((await cri.call("RuntimeService", "ListContainers", {})).containers).toEqual([]);
      expect((await cri.call("ImageService", "ListImages", {})).images).toEqual([]);
    } finally {
      cri.close();
    }

    await containerd.stop();
    expect(isRunning(containerd.pid)).toBe(false);
    expect(existsSync(join(dir, "containerd", "containerd.pid"))).toBe(false);
  });

  test("outlives a kill -9 of the agent that started it, and the next agent adopts it", async () => {
    const dir = tempDir();
    const o = options(dir);
    const agent = Bun.spawn({
      cmd: [process.execPath, join(root, "test/helpers/containerd-agent.ts"), o.dataDir, o.cniConfDir],
      cwd: root,
      stdout: "pipe",
      stderr: "inherit",
    });
    const reader = agent.stdout.getReader();
    let line = "";
    while (!line.includes("\n")) {
      const { value, done } = await reader.read();
      if (done) break;
      line += new TextDecoder().decode(value);
    }
    const first = JSON.parse(line) as { pid: number; adopted: boolean };
    started.add(first.pid);
    expect(first.adopted).toBe(false);

    agent.kill("SIGKILL");
    await agent.exited;
    expect(isRunning(first.pid)).toBe(true);

    const second = await start(o);
    expect(second.adopted).toBe(true);
    expect(second.pid).toBe(first.pid);
    const cri = new CriClient(second.endpoint);
    try {
      expect((await cri.call("RuntimeService", "ListPodSandbox", {})).items).toEqual([]);
    } finally {
      cri.close();
    }

    // Same data dir, same config: reused again, no second containerd.
    const third = await start(o);
    expect(third.adopted).toBe(true);
    expect(third.pid).toBe(first.pid);

    await third.stop();
    expect(isRunning(first.pid)).toBe(false);
  });

  test("a changed config restarts it; a pid file naming another process is not trusted", async () => {
    const dir = tempDir();
    const first = await start(options(dir));
    const changed = await start(options(dir, { sandboxImage: "docker.io/k3rs/pause:other" }));
    expect(changed.adopted).toBe(false);
    expect(changed.pid).not.toBe(first.pid);
    expect(isRunning(first.pid)).toBe(false);
    await changed.stop();

    // A recycled PID: the pid file names a live process that is not this data dir's containerd.
    const stranger = Bun.spawn({ cmd: ["sleep", "600"], stdio: ["ignore", "ignore", "ignore"] });
    try {
      writeFileSync(join(dir, "containerd", "containerd.pid"), `${stranger.pid}\n`);
      const fresh = await start(options(dir, { sandboxImage: "docker.io/k3rs/pause:other" }));
      expect(fresh.adopted).toBe(false);
      expect(fresh.pid).not.toBe(stranger.pid);
      expect(isRunning(stranger.pid)).toBe(true);
      await fresh.stop();
    } finally {
      stranger.kill("SIGKILL");
      await stranger.exited;
    }
  });

  test("a data dir too deep for a unix socket listens under /run/k3rs", async () => {
    const dir = tempDir();
    const deep = join(dir, "d".repeat(100));
    mkdirSync(deep);
    const containerd = await start(options(deep));
    const socket = containerd.endpoint.slice("unix://".length);
    try {
      expect(socket).toMatch(/^\/run\/k3rs\/[0-9a-f]{16}\/containerd\.sock$/);
      const cri = new CriClient(containerd.endpoint);
      try {
        expect((await cri.call("RuntimeService", "Version", {})).runtimeName).toBe("containerd");
      } finally {
        cri.close();
      }
      await containerd.stop();
    } finally {
      rmSync(dirname(socket), { recursive: true, force: true });
    }
  });

  test("a containerd that cannot start is reported with its log", async () => {
    const dir = tempDir();
    const err = await startContainerd(options(dir, { binary: "/bin/false" })).catch((e) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err.message).toContain("exited while starting");
    expect(existsSync(join(dir, "containerd", "containerd.pid"))).toBe(false);
  });
});
