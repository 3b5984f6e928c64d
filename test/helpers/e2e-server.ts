/**
 * Runs the BUILT executable (`bin/k3rs server`) in a disposable data dir on a free loopback
 * port, for end-to-end tests with the real kubectl. Stops it by PID and removes the dir.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const K3RS_BIN = resolve(import.meta.dir, "../../bin/k3rs");
export const KUBECTL = "/usr/bin/kubectl";

export interface E2EServer {
  dataDir: string;
  port: number;
  kubeconfig: string;
  proc: ReturnType<typeof Bun.spawn>;
  logs(): string;
  kubectl(args: string[], opts?: { stdin?: string; timeoutMs?: number }): Promise<{ code: number; stdout: string; stderr: string }>;
  stop(): Promise<void>;
  kill9(): void;
}

export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once("error", rej);
    s.listen(0, "127.0.0.1", () => {
      const p = (s.address() as any).port;
      s.close(() => res(p));
    });
  });
}

/**
 * `agent: "fake"` runs the embedded agent with the fake runtime (hollow pods), `"containerd"`
 * with real containers (root only; see real-node.ts for cleanup); default: no agent.
 */
export async function startE2EServer(opts: { dataDir?: string; port?: number; extraArgs?: string[]; agent?: "fake" | "containerd"; nodeName?: string; env?: Record<string, string>; bin?: string } = {}): Promise<E2EServer> {
  const bin = opts.bin ?? K3RS_BIN;
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run \`npm run build\` first (npm test does)`);
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), "k3rs-e2e-"));
  const port = opts.port ?? (await freePort());
  const kubeconfig = join(dataDir, "server", "cred", "admin.kubeconfig");
  let output = "";
  const proc = Bun.spawn(
    [bin, "server", "--data-dir", dataDir, "--https-listen-port", String(port), "--bind-address", "127.0.0.1", ...(opts.agent ? ["--runtime", opts.agent, "--node-name", opts.nodeName ?? "e2e-server"] : ["--disable-agent"]), "--write-kubeconfig", join(dataDir, "kubeconfig.yaml"), ...(opts.extraArgs ?? [])],
    { stdout: "pipe", stderr: "pipe", env: { ...process.env, ...opts.env } },
  );
  const drain = async (s: ReadableStream<Uint8Array> | null | undefined) => {
    if (!s) return;
    for await (const chunk of s) output += new TextDecoder().decode(chunk);
  };
  void drain(proc.stdout as ReadableStream<Uint8Array>);
  void drain(proc.stderr as ReadableStream<Uint8Array>);
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`k3rs server exited with ${proc.exitCode}:\n${output}`);
    if (existsSync(kubeconfig)) {
      const r = await fetch(`https://127.0.0.1:${port}/readyz`, { tls: { rejectUnauthorized: false } } as any).catch(() => undefined);
      if (r?.ok) break;
    }
    if (Date.now() > deadline) {
      proc.kill(9);
      throw new Error(`k3rs server not ready in 20s:\n${output}`);
    }
    await Bun.sleep(50);
  }
  const server: E2EServer = {
    dataDir,
    port,
    kubeconfig,
    proc,
    logs: () => output,
    async kubectl(args, o = {}) {
      const p = Bun.spawn([KUBECTL, "--kubeconfig", kubeconfig, ...args], {
        stdin: o.stdin !== undefined ? new TextEncoder().encode(o.stdin) : "ignore",
        stdout: "pipe",
        stderr: "pipe",
        env: { ...process.env, KUBECACHEDIR: join(dataDir, "kubecache"), HOME: dataDir },
      });
      const timer = setTimeout(() => p.kill(9), o.timeoutMs ?? 60_000);
      const [stdout, stderr] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text()]);
      const code = await p.exited;
      clearTimeout(timer);
      return { code, stdout, stderr };
    },
    async stop() {
      if (proc.exitCode === null) {
        proc.kill("SIGTERM");
        const t = setTimeout(() => proc.kill(9), 5000);
        await proc.exited;
        clearTimeout(t);
      }
      if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
    kill9() {
      proc.kill(9);
    },
  };
  return server;
}
