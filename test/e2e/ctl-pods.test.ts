/**
 * `k3rs ctl` (the BUILT executable) on real containers — logs, exec, attach, cp, port-forward —
 * its output diffed with the real kubectl's for the same request. Root only, containerd/runc/CNI
 * installed; its own data dir, node (`e2e-ctl-pods`), namespace (`ctl-pods`) and pod network
 * (10.42.32.0/20, node podCIDR 10.42.32.0/24). Run it alone.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { K3RS_BIN, KUBECTL } from "../helpers/e2e-server.ts";
import { CAN_RUN_PODS } from "../helpers/real-node.ts";
import { startRealCluster, type RealCluster } from "../helpers/real-cluster.ts";

let c: RealCluster;
const NS = "ctl-pods";
const HAS_SCRIPT = existsSync("/usr/bin/script");

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function env(): Record<string, string> {
  return { ...(process.env as Record<string, string>), HOME: c.dataDir, KUBECACHEDIR: join(c.dataDir, "kubecache") };
}

async function run(argv: string[], stdin?: Uint8Array | string): Promise<Run> {
  const p = Bun.spawn(argv, { stdin: stdin === undefined ? "ignore" : typeof stdin === "string" ? new TextEncoder().encode(stdin) : stdin, stdout: "pipe", stderr: "pipe", env: env() });
  const timer = setTimeout(() => p.kill(9), 90_000);
  const [stdout, stderr] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text()]);
  const code = await p.exited;
  clearTimeout(timer);
  return { code, stdout, stderr };
}

const ctl = (args: string[], stdin?: Uint8Array | string) => run([K3RS_BIN, "ctl", "--kubeconfig", c.server.kubeconfig, ...args], stdin);
const kubectl = (args: string[], stdin?: Uint8Array | string) => run([KUBECTL, "--kubeconfig", c.server.kubeconfig, ...args], stdin);

/** Both tools for the same request: same stdout, same stderr, same exit code. */
async function same(args: string[], stdin?: string): Promise<Run> {
  const mine = await ctl(args, stdin);
  const theirs = await kubectl(args, stdin);
  expect({ args, ...mine }).toEqual({ args, ...theirs });
  return mine;
}

function pod(name: string, script: string, extra: Record<string, unknown> = {}): object {
  return {
    apiVersion: "v1", kind: "Pod", metadata: { name, namespace: NS, labels: { app: "ctl" } },
    spec: { terminationGracePeriodSeconds: 1, containers: [{ name: "main", image: "busybox", command: ["sh", "-c", script], ...extra }] },
  };
}

const md5 = (b: Uint8Array) => createHash("md5").update(b).digest("hex");

describe.skipIf(!CAN_RUN_PODS || !existsSync(KUBECTL))("k3rs ctl on real containers", () => {
  beforeAll(async () => {
    c = await startRealCluster({ name: "ctl-pods", namespace: NS, clusterCidr: "10.42.32.0/20" });
    await c.apply(pod("counter", "for i in 1 2 3 4 5 6 7 8 9 10 11 12; do echo line $i; done; echo to-stderr >&2; trap exit TERM; while true; do sleep 1; done"));
    await c.apply(pod("web", "httpd -f -p 8080 -h /var/www"));
    await c.apply({
      apiVersion: "v1", kind: "Pod", metadata: { name: "duo", namespace: NS, labels: { app: "duo" } },
      spec: {
        terminationGracePeriodSeconds: 1,
        initContainers: [{ name: "setup", image: "busybox", command: ["sh", "-c", "echo set up"] }],
        containers: ["a", "b"].map((n) => ({ name: n, image: "busybox", command: ["sh", "-c", `echo i am ${n}; echo i am ${n} > /tmp/me; trap exit TERM; while true; do sleep 1; done`] })),
      },
    });
    await c.until("pods running", async () => {
      const phases = (await c.json("get", "pods", "-n", NS)).items.map((p: any) => p.status?.phase);
      return phases.length === 3 && phases.every((p: string) => p === "Running");
    });
    // The counter has written its lines before anyone reads them.
    await c.until("counter logged", async () => (await c.k("logs", "-n", NS, "counter")).includes("to-stderr"));
  }, 180_000);

  afterAll(async () => {
    await c?.close();
  }, 120_000);

  test("logs: whole, --tail, -c, --all-containers, -l, --prefix, the defaulted-container note, errors", async () => {
    for (const args of [
      ["logs", "-n", NS, "counter"],
      ["logs", "-n", NS, "counter", "--tail", "3"],
      ["logs", "-n", NS, "pod/counter", "--tail=0"],
      ["logs", "-n", NS, "duo"],
      ["logs", "-n", NS, "duo", "-c", "b"],
      ["logs", "-n", NS, "duo", "--all-containers"],
      ["logs", "-n", NS, "duo", "--all-containers", "--prefix"],
      ["logs", "-n", NS, "-l", "app=ctl"],
      ["logs", "-n", NS, "-l", "app=ctl", "--tail", "2", "--prefix"],
      ["logs", "-n", NS, "--since", "1h", "counter", "--tail", "1"],
      ["logs", "-n", NS, "nope"],
      ["logs", "-n", NS, "duo", "-c", "nope"],
    ]) await same(args);
    const ts = await ctl(["logs", "-n", NS, "counter", "--timestamps", "--tail", "1"]);
    expect(ts.stdout).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z to-stderr\n$/);
  });

  test("logs -f streams until the pod goes", async () => {
    await c.apply(pod("ticker", "i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.2; done"));
    await c.until("ticker running", async () => (await c.json("get", "pod", "ticker", "-n", NS)).status?.phase === "Running");
    const p = Bun.spawn([K3RS_BIN, "ctl", "--kubeconfig", c.server.kubeconfig, "logs", "-f", "-n", NS, "ticker"], { stdout: "pipe", stderr: "pipe", env: env() });
    try {
      const reader = (p.stdout as ReadableStream<Uint8Array>).getReader();
      let text = "";
      while ([...text.matchAll(/tick \d+\n/g)].length < 8) {
        const r = await reader.read();
        if (r.done) throw new Error(`logs -f ended early: ${text}`);
        text += new TextDecoder().decode(r.value);
      }
      const ticks = [...text.matchAll(/tick (\d+)\n/g)].map((m) => Number(m[1]));
      for (let i = 1; i < ticks.length; i++) expect(ticks[i]).toBe(ticks[i - 1]! + 1);
    } finally {
      p.kill(9);
      await p.exited;
    }
  });

  test("exec: stdout, stderr, the remote exit code passed on, stdin and its end", async () => {
    await same(["exec", "-n", NS, "counter", "--", "echo", "hello"]);
    const r = await same(["exec", "-n", NS, "counter", "--", "sh", "-c", "echo out; echo err >&2; exit 3"]);
    expect(r.code).toBe(3);
    expect(r.stderr).toBe("err\ncommand terminated with exit code 3\n");
    await same(["exec", "-i", "-n", NS, "counter", "--", "cat"], "hi\n");
    const big = randomBytes(1 << 20);
    const sum = await ctl(["exec", "-i", "-n", NS, "counter", "--", "md5sum"], big);
    expect(sum.stdout).toBe(`${md5(big)}  -\n`);
    await same(["exec", "-n", NS, "duo", "--", "cat", "/tmp/me"]);
    await same(["exec", "-n", NS, "duo", "-c", "b", "--", "cat", "/tmp/me"]);
    await same(["exec", "-n", NS, "duo", "-c", "nope", "--", "true"]);
    await same(["exec", "-n", NS, "nope", "--", "true"]);
    // -t without a terminal: kubectl's note, then no tty.
    await same(["exec", "-i", "-t", "-n", NS, "counter", "--", "echo", "x"], "");
  });

  test.skipIf(!HAS_SCRIPT)("exec -it: a real terminal, its size, typed input, the shell's exit code", async () => {
    const p = Bun.spawn(["script", "-qec", `stty cols 91 rows 37; ${K3RS_BIN} ctl --kubeconfig ${c.server.kubeconfig} exec -it -n ${NS} counter -- sh`, "/dev/null"], {
      stdin: new TextEncoder().encode("tty; stty size; echo typed-$((1+2))\nexit 5\n"), stdout: "pipe", stderr: "pipe", env: env(),
    });
    const timer = setTimeout(() => p.kill(9), 60_000);
    const out = await new Response(p.stdout).text();
    const code = await p.exited;
    clearTimeout(timer);
    expect(code).toBe(5);
    expect(out).toContain("/dev/pts/");
    expect(out).toContain("37 91");
    expect(out).toContain("typed-3");
    expect(out).toContain("command terminated with exit code 5");
  });
});
