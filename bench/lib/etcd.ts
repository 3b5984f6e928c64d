/** Starts a throwaway etcd on loopback (Debian's etcd-server) as the benchmark's peer. */
import { mkdtempSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface Etcd {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

export function etcdBinary(): string | undefined {
  for (const p of ["/usr/bin/etcd", "/usr/local/bin/etcd"]) if (existsSync(p)) return p;
  return undefined;
}

export async function startEtcd(clientPort: number, peerPort: number): Promise<Etcd> {
  const bin = etcdBinary();
  if (!bin) throw new Error("etcd not installed (apt-get install etcd-server)");
  const dir = mkdtempSync(join(tmpdir(), "k3rs-bench-etcd-"));
  const url = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  const proc = Bun.spawn(
    [bin, "--name", "default", "--data-dir", dir, "--listen-client-urls", url, "--advertise-client-urls", url, "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer, "--initial-cluster", `default=${peer}`, "--log-level", "error"],
    { stdout: "ignore", stderr: "ignore", env: { ...process.env, ETCD_UNSUPPORTED_ARCH: "" } },
  );
  const deadline = Date.now() + 15_000;
  for (;;) {
    const ok = await fetch(`${url}/health`).then((r) => r.ok).catch(() => false);
    if (ok) break;
    if (Date.now() > deadline || proc.exitCode !== null) {
      proc.kill(9);
      throw new Error("etcd did not start");
    }
    await Bun.sleep(100);
  }
  return {
    url,
    pid: proc.pid,
    async stop() {
      proc.kill("SIGTERM");
      await proc.exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
