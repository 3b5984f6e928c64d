/**
 * `kubectl exec`, `attach`, `cp` and `port-forward` end to end: the built server with its
 * embedded agent on its own containerd, the streams carried to the server through the agent
 * tunnel and bridged by the agent onto containerd's CRI streaming server, driven with the
 * real kubectl over its default WebSocket transports and its SPDY fallback. Root only, with
 * containerd/runc/CNI installed. Its own data dir, node name and pod network
 * (10.42.128.0/18) so that it can run beside the other real-pod tests.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { KUBECTL } from "../helpers/e2e-server.ts";
import { CAN_RUN_PODS } from "../helpers/real-node.ts";
import { startRealCluster, type RealCluster } from "../helpers/real-cluster.ts";

let c: RealCluster;
const NS = "exec";
const SPDY = { KUBECTL_REMOTE_COMMAND_WEBSOCKETS: "false", KUBECTL_PORT_FORWARD_WEBSOCKETS: "false" };
const HAS_SCRIPT = existsSync("/usr/bin/script");

function pod(name: string, script: string, extra: Record<string, unknown> = {}): object {
  return {
    apiVersion: "v1", kind: "Pod", metadata: { name, namespace: NS },
    spec: { terminationGracePeriodSeconds: 1, containers: [{ name: "main", image: "busybox", command: ["sh", "-c", script], ...extra }] },
  };
}

function env(extra: Record<string, string> = {}): Record<string, string> {
  return { ...(process.env as Record<string, string>), HOME: c.dataDir, KUBECACHEDIR: join(c.dataDir, "kubecache"), ...extra };
}

/** kubectl with stdin bytes and extra environment; resolves whatever it exits with. */
async function kubectl(args: string[], o: { stdin?: Uint8Array | string; env?: Record<string, string> } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const p = Bun.spawn([KUBECTL, "--kubeconfig", c.server.kubeconfig, ...args], {
    stdin: o.stdin === undefined ? "ignore" : typeof o.stdin === "string" ? new TextEncoder().encode(o.stdin) : o.stdin,
    stdout: "pipe", stderr: "pipe", env: env(o.env),
  });
  const timer = setTimeout(() => p.kill(9), 90_000);
  const [stdout, stderr] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text()]);
  const code = await p.exited;
  clearTimeout(timer);
  return { code, stdout, stderr };
}

/** A command run in a pseudo-terminal (util-linux `script`), fed `input`; its exit code is the command's. */
async function inTerminal(command: string, input: string): Promise<{ code: number; out: string }> {
  const p = Bun.spawn(["script", "-qec", command, "/dev/null"], { stdin: new TextEncoder().encode(input), stdout: "pipe", stderr: "pipe", env: env() });
  const timer = setTimeout(() => p.kill(9), 60_000);
  const out = await new Response(p.stdout).text();
  const code = await p.exited;
  clearTimeout(timer);
  return { code, out };
}

const md5 = (b: Uint8Array) => createHash("md5").update(b).digest("hex");

describe.skipIf(!CAN_RUN_PODS || !existsSync(KUBECTL))("kubectl exec, attach, cp and port-forward on real containers", () => {
  beforeAll(async () => {
    c = await startRealCluster({ name: "exec", namespace: NS, clusterCidr: "10.42.128.0/18" });
    await c.apply(pod("shell", "trap exit TERM; while true; do sleep 1; done"));
    await c.apply(pod("web", "httpd -f -p 8080 -h /var/www"));
    await c.apply(pod("crasher", "exit 1"));
    await c.apply({
      apiVersion: "v1", kind: "Pod", metadata: { name: "duo", namespace: NS },
      spec: { terminationGracePeriodSeconds: 1, containers: ["a", "b"].map((n) => ({ name: n, image: "busybox", command: ["sh", "-c", `echo i am ${n} > /tmp/me; trap exit TERM; while true; do sleep 1; done`] })) },
    });
    await c.until("pods running", async () => {
      const phases = (await c.json("get", "pods", "-n", NS)).items.filter((p: any) => p.metadata.name !== "crasher").map((p: any) => p.status?.phase);
      return phases.length === 3 && phases.every((p: string) => p === "Running");
    });
  }, 180_000);

  afterAll(async () => {
    await c?.close();
  }, 120_000);

  for (const [transport, extra] of [["WebSocket v5", {}], ["SPDY", SPDY]] as const) {
    test(`${transport}: stdout, stderr and the command's exit code`, async () => {
      expect(await kubectl(["exec", "-n", NS, "shell", "--", "echo", "hello"], { env: extra })).toMatchObject({ code: 0, stdout: "hello\n" });
      const r = await kubectl(["exec", "-n", NS, "shell", "--", "sh", "-c", "echo out; echo err >&2; exit 3"], { env: extra });
      expect(r.code).toBe(3);
      expect(r.stdout).toBe("out\n");
      expect(r.stderr).toContain("err\n");
      expect(r.stderr).toContain("command terminated with exit code 3");
    });

    test(`${transport}: stdin reaches the command and its end ends it`, async () => {
      expect(await kubectl(["exec", "-i", "-n", NS, "shell", "--", "cat"], { stdin: "hi\n", env: extra })).toMatchObject({ code: 0, stdout: "hi\n" });
      const big = randomBytes(1 << 20);
      const sum = await kubectl(["exec", "-i", "-n", NS, "shell", "--", "md5sum"], { stdin: big, env: extra });
      expect(sum.stdout).toBe(`${md5(big)}  -\n`);
    });
  }

  test("-c picks the container; the API refuses an unknown one, the agent one that does not run", async () => {
    expect(await c.k("exec", "-n", NS, "duo", "-c", "b", "--", "cat", "/tmp/me")).toBe("i am b\n");
    const unknown = await kubectl(["exec", "-n", NS, "duo", "-c", "nope", "--", "true"]);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain("Error from server (BadRequest): container nope is not valid for pod duo");
    await c.until("crasher backing off", async () => (await c.json("get", "pod", "crasher", "-n", NS)).status?.containerStatuses?.[0]?.state?.waiting?.reason === "CrashLoopBackOff");
    const stopped = await kubectl(["exec", "-n", NS, "crasher", "--", "true"]);
    expect(stopped.code).not.toBe(0);
    expect(stopped.stderr).toContain('unable to upgrade connection: container not found ("main")');
    // A command the image lacks: containerd's own words, through the error channel.
    const missing = await kubectl(["exec", "-n", NS, "shell", "--", "nosuchcommand"]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('exec: "nosuchcommand": executable file not found in $PATH');
  });

  test.skipIf(!HAS_SCRIPT)("-it: a terminal, its size sent on resize, typed input, the shell's exit code", async () => {
    const r = await inTerminal(
      `stty cols 91 rows 37; ${KUBECTL} --kubeconfig ${c.server.kubeconfig} exec -it -n ${NS} shell -- sh`,
      "tty; stty size; echo typed-$((1+2))\nexit 5\n",
    );
    expect(r.code).toBe(5);
    expect(r.out).toContain("/dev/pts/");
    expect(r.out).toContain("37 91");
    expect(r.out).toContain("typed-3");
    expect(r.out).toContain("command terminated with exit code 5");
  });

  test("attach streams a running container's output", async () => {
    await c.apply(pod("ticker", "i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.2; done"));
    await c.until("ticker running", async () => (await c.json("get", "pod", "ticker", "-n", NS)).status?.phase === "Running");
    const p = Bun.spawn([KUBECTL, "--kubeconfig", c.server.kubeconfig, "attach", "-n", NS, "ticker"], { stdout: "pipe", stderr: "pipe", env: env() });
    try {
      const reader = (p.stdout as ReadableStream<Uint8Array>).getReader();
      let text = "";
      while ([...text.matchAll(/tick \d+\n/g)].length < 3) {
        const r = await reader.read();
        if (r.done) throw new Error(`kubectl attach ended: ${text} ${await new Response(p.stderr).text()}`);
        text += new TextDecoder().decode(r.value);
      }
      const ticks = [...text.matchAll(/tick (\d+)\n/g)].map((m) => Number(m[1]));
      for (let i = 1; i < ticks.length; i++) expect(ticks[i]).toBe(ticks[i - 1]! + 1);
    } finally {
      p.kill(9);
      await p.exited;
    }
  });

  for (const [transport, extra] of [["WebSocket v5", {}], ["SPDY", SPDY]] as const) {
    test(`${transport}: cp into the pod and back gives the same bytes`, async () => {
      const data = randomBytes(300_000);
      const local = join(c.dataDir, `cp-in-${transport.length}.bin`);
      writeFileSync(local, data);
      const into = await kubectl(["cp", local, `${NS}/shell:/tmp/copied.bin`], { env: extra });
      expect(into.code).toBe(0);
      expect((await kubectl(["exec", "-n", NS, "shell", "--", "md5sum", "/tmp/copied.bin"])).stdout).toBe(`${md5(data)}  /tmp/copied.bin\n`);
      const back = join(c.dataDir, `cp-out-${transport.length}.bin`);
      const out = await kubectl(["cp", `${NS}/shell:/tmp/copied.bin`, back], { env: extra });
      expect(out.code).toBe(0);
      expect(md5(readFileSync(back))).toBe(md5(data));
    });
  }

  for (const [transport, extra] of [["SPDY over WebSocket", {}], ["SPDY", SPDY]] as const) {
    test(`port-forward (${transport}): httpd in the pod answers curl on 127.0.0.1`, async () => {
      const p = Bun.spawn([KUBECTL, "--kubeconfig", c.server.kubeconfig, "port-forward", "-n", NS, "pod/web", ":8080"], { stdout: "pipe", stderr: "pipe", env: env(extra) });
      try {
        const reader = (p.stdout as ReadableStream<Uint8Array>).getReader();
        let out = "";
        let m: RegExpExecArray | null = null;
        while (!(m = /Forwarding from 127\.0\.0\.1:(\d+) -> 8080/.exec(out))) {
          const r = await reader.read();
          if (r.done) throw new Error(`kubectl port-forward ended: ${out} ${await new Response(p.stderr).text()}`);
          out += new TextDecoder().decode(r.value);
        }
        for (let i = 0; i < 3; i++) {
          const curl = Bun.spawnSync(["curl", "-sS", "-m", "20", `http://127.0.0.1:${m[1]}/`], { stdout: "pipe", stderr: "pipe" });
          expect(curl.stderr.toString()).toBe("");
          expect(curl.stdout.toString()).toBe("k3rs busybox\n");
        }
      } finally {
        p.kill(9);
        await p.exited;
      }
    });
  }

  test("port-forward to a port nothing listens on: containerd's error reaches kubectl", async () => {
    const p = Bun.spawn([KUBECTL, "--kubeconfig", c.server.kubeconfig, "port-forward", "-n", NS, "pod/web", ":9999"], { stdout: "pipe", stderr: "pipe", env: env() });
    try {
      const reader = (p.stdout as ReadableStream<Uint8Array>).getReader();
      let out = "";
      let m: RegExpExecArray | null = null;
      while (!(m = /Forwarding from 127\.0\.0\.1:(\d+) -> 9999/.exec(out))) {
        const r = await reader.read();
        if (r.done) throw new Error(`kubectl port-forward ended: ${out}`);
        out += new TextDecoder().decode(r.value);
      }
      Bun.spawnSync(["curl", "-sS", "-m", "20", `http://127.0.0.1:${m[1]}/`]);
      // kubectl reports the error stream's message and gives up on the connection.
      const code = await p.exited;
      expect(code).not.toBe(0);
      const stderr = await new Response(p.stderr).text();
      expect(stderr).toContain("error forwarding port 9999 to pod");
      expect(stderr).toContain("connection refused");
    } finally {
      p.kill(9);
      await p.exited;
    }
  });
});
