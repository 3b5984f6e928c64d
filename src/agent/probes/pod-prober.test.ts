import { describe, expect, test } from "bun:test";
import type { KubeObject } from "../../model/object.ts";
import type { ContainerInfo } from "../runtime/types.ts";
import { PodProber } from "./pod-prober.ts";
import { resolvePort, runProbe } from "./run-probe.ts";

const running = (id: string, name = "c"): ContainerInfo => ({ id, sandboxId: "sb", name, attempt: 0, image: "i", imageRef: "r", state: "running", createdAt: Date.now(), startedAt: Date.now(), finishedAt: 0, exitCode: 0 });
const pod = (container: any): KubeObject => ({ apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "ns" }, spec: { containers: [{ name: "c", ...container }] } });

function harness(results: boolean[]) {
  const log: string[] = [];
  let i = 0;
  const prober = new PodProber({
    onChange: () => log.push("change"),
    onUnhealthy: (_n, m) => log.push(m),
    onKill: (id, _n, m) => log.push(`kill ${id}: ${m}`),
    run: async () => (results[Math.min(i++, results.length - 1)] ? { ok: true } : { ok: false, message: "nope" }),
  });
  return { prober, log };
}

const until = async (fn: () => boolean) => {
  for (let n = 0; n < 300 && !fn(); n++) await Bun.sleep(10);
};

describe("PodProber", () => {
  test("readiness: not ready until it succeeds; ready without a probe", async () => {
    const { prober } = harness([false, true]);
    prober.sync(pod({ readinessProbe: { exec: { command: ["x"] }, periodSeconds: 1, failureThreshold: 1 } }), [running("a")], "10.0.0.1");
    expect(prober.ready("a")).toBe(false);
    await until(() => prober.ready("a"));
    expect(prober.ready("a")).toBe(true);
    prober.stop();
    const none = harness([true]);
    none.prober.sync(pod({}), [running("b")], "10.0.0.1");
    expect(none.prober.ready("b")).toBe(true);
  });

  test("liveness failing failureThreshold times in a row kills the container, with Unhealthy reports", async () => {
    const { prober, log } = harness([false]);
    prober.sync(pod({ livenessProbe: { exec: { command: ["x"] }, periodSeconds: 1, failureThreshold: 1 } }), [running("a")], "10.0.0.1");
    await until(() => log.some((l) => l.startsWith("kill")));
    expect(log).toContain("Liveness probe failed: nope");
    expect(log).toContain("kill a: Container c failed liveness probe, will be restarted");
    prober.stop();
  });

  test("startup gates readiness; a container not running any more is forgotten", async () => {
    const { prober } = harness([true]);
    const p = pod({ startupProbe: { exec: { command: ["x"] }, periodSeconds: 1 }, readinessProbe: { exec: { command: ["y"] }, periodSeconds: 1 } });
    prober.sync(p, [running("a")], "10.0.0.1");
    expect(prober.started("a")).toBe(false);
    await until(() => prober.ready("a"));
    expect(prober.started("a")).toBe(true);
    prober.sync(p, [], "10.0.0.1");
    expect(prober.started("a")).toBe(true); // no worker left: defaults
    prober.stop();
  });
});

describe("runProbe", () => {
  test("httpGet: 2xx/3xx pass, others fail with the status; tcpSocket connects", async () => {
    const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: (r) => new Response("x", { status: new URL(r.url).pathname === "/bad" ? 503 : 200 }) });
    try {
      const target = { pod: pod({}), container: { ports: [{ name: "http", containerPort: server.port }] }, containerId: "a", podIP: "127.0.0.1" };
      expect(await runProbe({ httpGet: { path: "/ok", port: "http" } }, target)).toEqual({ ok: true });
      expect(await runProbe({ httpGet: { path: "/bad", port: server.port } }, target)).toEqual({ ok: false, message: "HTTP probe failed with statuscode: 503" });
      expect(await runProbe({ tcpSocket: { port: server.port } }, target)).toEqual({ ok: true });
    } finally {
      server.stop(true);
    }
  });

  test("exec: exit code 0 passes; output explains a failure", async () => {
    const target = { pod: pod({}), container: {}, containerId: "a", podIP: undefined, execSync: async (_id: string, cmd: string[]) => ({ exitCode: cmd[0] === "ok" ? 0 : 1, stdout: "not yet\n", stderr: "" }) };
    expect(await runProbe({ exec: { command: ["ok"] } }, target)).toEqual({ ok: true });
    expect(await runProbe({ exec: { command: ["no"] } }, target)).toEqual({ ok: false, message: "not yet\n" });
  });

  test("named ports resolve against the container", () => {
    expect(resolvePort("web", { ports: [{ name: "web", containerPort: 8080 }] })).toBe(8080);
    expect(resolvePort("81", {})).toBe(81);
    expect(resolvePort("nope", {})).toBeUndefined();
  });
});
