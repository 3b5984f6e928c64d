/**
 * Joining nodes, end to end: the built executable as server (with its embedded agent on the
 * fake runtime) and as `k3rs agent` processes, checked with the real kubectl.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { K3RS_BIN, KUBECTL, startE2EServer, type E2EServer } from "../helpers/e2e-server.ts";

const dirs: string[] = [];
const procs: ReturnType<typeof Bun.spawn>[] = [];
let server: E2EServer;
let token: string;

function agentDir(): string {
  const d = mkdtempSync(join(tmpdir(), "k3rs-e2e-agent-"));
  dirs.push(d);
  return d;
}

/** Runs `k3rs agent` to completion (for the failures) and returns its output. */
async function agentOnce(args: string[]): Promise<{ code: number; out: string }> {
  const p = Bun.spawn([K3RS_BIN, "agent", ...args], { stdout: "pipe", stderr: "pipe" });
  const timer = setTimeout(() => p.kill(9), 30_000);
  const [o, e] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text()]);
  const code = await p.exited;
  clearTimeout(timer);
  return { code, out: o + e };
}

/** Starts a long-running `k3rs agent`; it is stopped by PID in afterAll. */
function agentProc(args: string[]): ReturnType<typeof Bun.spawn> {
  const p = Bun.spawn([K3RS_BIN, "agent", ...args], { stdout: "ignore", stderr: "pipe" });
  procs.push(p);
  return p;
}

/** `kubectl wait` fails at once on a node that does not exist yet, so poll until it is Ready (30 s hang guard). */
async function waitNodeReady(name: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  let last = "";
  while (Date.now() < deadline) {
    const r = await server.kubectl(["get", "node", name, "-o", `jsonpath={.status.conditions[?(@.type=="Ready")].status}`]);
    if (r.stdout === "True") return;
    last = r.stdout + r.stderr;
    await Bun.sleep(100);
  }
  throw new Error(`node ${name} not Ready after 30 s: ${last}\n${server.logs().slice(-2000)}`);
}

describe.skipIf(!existsSync(KUBECTL))("k3rs agent joins", () => {
  beforeAll(async () => {
    server = await startE2EServer({ agent: "fake" });
    token = readFileSync(join(server.dataDir, "server", "token"), "utf8").trim();
  });

  afterAll(async () => {
    for (const p of procs) if (p.exitCode === null) p.kill("SIGTERM");
    await Promise.all(procs.map((p) => p.exited));
    await server?.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  test("the server's own node registers Ready with the control-plane role and a lease", async () => {
    await waitNodeReady("e2e-server");
    const r = await server.kubectl(["get", "node", "e2e-server", "-o", "json"]);
    const node = JSON.parse(r.stdout);
    expect(node.metadata.labels).toMatchObject({
      "kubernetes.io/hostname": "e2e-server",
      "kubernetes.io/os": "linux",
      "node-role.kubernetes.io/control-plane": "true",
    });
    expect(node.spec.podCIDR).toMatch(/^10\.42\.\d+\.0\/24$/);
    const lease = await server.kubectl(["get", "lease", "-n", "kube-node-lease", "e2e-server", "-o", "jsonpath={.spec.holderIdentity}"]);
    expect(lease.stdout).toBe("e2e-server");
    const table = await server.kubectl(["get", "nodes"]);
    expect(table.stdout).toMatch(/e2e-server\s+Ready\s+control-plane,master/);
  });

  test("an agent joins with the token, and rejoins after a restart without it", async () => {
    const dir = agentDir();
    const url = `https://127.0.0.1:${server.port}`;
    const first = agentProc(["--server", url, "--token", token, "--runtime", "fake", "--node-name", "worker-1", "--data-dir", dir]);
    await waitNodeReady("worker-1");
    first.kill("SIGTERM");
    await first.exited;
    expect(existsSync(join(dir, "agent", "cred", "client-kubelet.crt"))).toBe(true);
    // No token this time: the credentials in the data dir suffice.
    agentProc(["--server", url, "--runtime", "fake", "--node-name", "worker-1", "--data-dir", dir]);
    await waitNodeReady("worker-1");
    const r = await server.kubectl(["get", "node", "worker-1", "-o", "jsonpath={.metadata.labels.node-role\\.kubernetes\\.io/control-plane}"]);
    expect(r.stdout).toBe("");
  });

  test("a wrong secret is refused", async () => {
    const bad = token.replace(/::server:.*$/, "::server:not-the-secret");
    const r = await agentOnce(["--server", `https://127.0.0.1:${server.port}`, "--token", bad, "--runtime", "fake", "--node-name", "intruder", "--data-dir", agentDir()]);
    expect(r.code).not.toBe(0);
    expect(r.out).toContain("invalid join token");
  });

  test("a token for another CA is refused before the secret is sent", async () => {
    const other = token.replace(/^K10[0-9a-f]{64}/, `K10${"0".repeat(64)}`);
    const r = await agentOnce(["--server", `https://127.0.0.1:${server.port}`, "--token", other, "--runtime", "fake", "--node-name", "mitm", "--data-dir", agentDir()]);
    expect(r.code).not.toBe(0);
    expect(r.out).toContain("does not match the token's CA hash");
  });

  test("a second machine cannot take a node name that is in use", async () => {
    const r = await agentOnce(["--server", `https://127.0.0.1:${server.port}`, "--token", token, "--runtime", "fake", "--node-name", "worker-1", "--data-dir", agentDir()]);
    expect(r.code).not.toBe(0);
    expect(r.out).toContain(`node name "worker-1" is already taken`);
  });

  test("--simulate runs N hollow nodes that take pods", async () => {
    agentProc(["--server", `https://127.0.0.1:${server.port}`, "--token", token, "--simulate", "3", "--node-name", "sim", "--data-dir", agentDir()]);
    for (const n of ["sim-0", "sim-1", "sim-2"]) await waitNodeReady(n);
    const create = await server.kubectl(["run", "hollow-pod", "--image=busybox", "--overrides", JSON.stringify({ spec: { nodeSelector: { "kubernetes.io/hostname": "sim-1" } } })]);
    expect(create.code).toBe(0);
    const ready = await server.kubectl(["wait", "--for=condition=Ready", "pod/hollow-pod", "--timeout=30s"]);
    expect(ready.code).toBe(0);
    const r = await server.kubectl(["get", "pod", "hollow-pod", "-o", "jsonpath={.spec.nodeName} {.status.phase}"]);
    expect(r.stdout).toBe("sim-1 Running");
  });
});
