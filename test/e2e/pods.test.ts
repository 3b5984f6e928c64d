/**
 * Real pods, end to end: the built server with its embedded agent on its own containerd,
 * runc and the CNI bridge, images imported from <data-dir>/agent/images (nothing pulled),
 * driven with the real kubectl. Root only, with containerd/runc/CNI installed (.ci/run
 * installs them). Traffic goes only to pod IPs on this machine's bridge.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { KUBECTL } from "../helpers/e2e-server.ts";
import { CAN_RUN_PODS } from "../helpers/real-node.ts";
import { startRealCluster, type RealCluster } from "../helpers/real-cluster.ts";

let c: RealCluster;
const k = (...args: string[]) => c.k(...args);
const apply = (obj: object) => c.apply(obj);
const until = <T,>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs?: number) => c.until(what, fn, timeoutMs);
const NODE = "e2e-pods";

async function pod(name: string): Promise<any> {
  return JSON.parse(await k("get", "pod", name, "-n", "real", "-o", "json"));
}

/** A pod that runs a shell script once; resolves with the pod when it has finished. */
async function runScript(name: string, script: string, extra: Record<string, unknown> = {}): Promise<any> {
  const { volumes, containerExtra, ...rest } = extra as any;
  await apply({
    apiVersion: "v1", kind: "Pod", metadata: { name, namespace: "real" },
    spec: { restartPolicy: "Never", terminationGracePeriodSeconds: 1, ...(volumes ? { volumes } : {}), ...rest, containers: [{ name: "main", image: "busybox", command: ["sh", "-c", script], ...(containerExtra ?? {}) }] },
  });
  return until(`pod ${name} finished`, async () => {
    const p = await pod(name);
    return p.status?.phase === "Succeeded" || p.status?.phase === "Failed" ? p : undefined;
  });
}

async function httpStatus(ip: string): Promise<number> {
  const r = await fetch(`http://${ip}:8080/`, { signal: AbortSignal.timeout(3000) });
  return r.status;
}

describe.skipIf(!CAN_RUN_PODS || !existsSync(KUBECTL))("real pods on containerd", () => {
  beforeAll(async () => {
    // Small logs rotate quickly here (K3s's --kubelet-arg).
    c = await startRealCluster({ name: "pods", namespace: "real", extraArgs: ["--kubelet-arg", "container-log-max-size=1Mi", "--kubelet-arg", "container-log-max-files=2"] });
  });

  afterAll(async () => {
    await c?.close();
  });

  test("a Deployment of busybox httpd runs and answers on its pod IPs from the node", async () => {
    await apply({
      apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web", namespace: "real" },
      spec: {
        replicas: 2, selector: { matchLabels: { app: "web" } },
        template: { metadata: { labels: { app: "web" } }, spec: { terminationGracePeriodSeconds: 2, containers: [{ name: "httpd", image: "busybox", command: ["httpd", "-f", "-p", "8080", "-h", "/var/www"], ports: [{ name: "http", containerPort: 8080 }], readinessProbe: { httpGet: { path: "/", port: "http" }, periodSeconds: 1 } }] } },
      },
    });
    expect(await k("rollout", "status", "deployment/web", "-n", "real", "--timeout=90s")).toContain("successfully rolled out");
    const pods = JSON.parse(await k("get", "pods", "-n", "real", "-l", "app=web", "-o", "json")).items;
    expect(pods).toHaveLength(2);
    for (const p of pods) {
      expect(p.status.podIP).toMatch(/^10\.42\.0\.\d+$/);
      expect(p.status.containerStatuses[0]).toMatchObject({ ready: true, restartCount: 0, image: "docker.io/library/busybox:latest" });
      expect(p.status.containerStatuses[0].containerID).toMatch(/^containerd:\/\/[0-9a-f]{64}$/);
      expect(await httpStatus(p.status.podIP)).toBe(200);
    }
  });

  test("pods reach each other on their real IPs", async () => {
    const ips: string[] = JSON.parse(await k("get", "pods", "-n", "real", "-l", "app=web", "-o", "json")).items.map((p: any) => p.status.podIP);
    const done = await runScript("client", ips.map((ip) => `timeout 5 wget -q -O /dev/null http://${ip}:8080/`).join(" && "));
    expect(done.status.phase).toBe("Succeeded");
  });

  test("environment and volumes: values, downward API, ConfigMap and Secret, emptyDir", async () => {
    await k("create", "configmap", "cfg", "-n", "real", "--from-literal=MODE=fast", "--from-literal=app.conf=x=1");
    await k("create", "secret", "generic", "creds", "-n", "real", "--from-literal=password=pw");
    const script = [
      'test "$GREETING" = "hello real"',
      'test "$MODE" = fast',
      'test "$POD" = env-check',
      'test "$(cat /etc/cfg/app.conf)" = x=1',
      'test "$(cat /etc/sec/password)" = pw',
      "echo ok > /scratch/f && test \"$(cat /scratch/f)\" = ok",
      'grep -q "env-check" /etc/hosts',
    ].join(" && ");
    const done = await runScript("env-check", script, {
      volumes: [{ name: "cfg", configMap: { name: "cfg" } }, { name: "sec", secret: { secretName: "creds" } }, { name: "scratch", emptyDir: {} }],
      containerExtra: {
        env: [{ name: "WHO", value: "real" }, { name: "GREETING", value: "hello $(WHO)" }, { name: "POD", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } }, { name: "MODE", valueFrom: { configMapKeyRef: { name: "cfg", key: "MODE" } } }],
        volumeMounts: [{ name: "cfg", mountPath: "/etc/cfg" }, { name: "sec", mountPath: "/etc/sec" }, { name: "scratch", mountPath: "/scratch" }],
      },
    });
    expect(done.status.phase).toBe("Succeeded");
  });

  test("a running pod's ConfigMap volume follows the ConfigMap; a subPath mount keeps what it started with", async () => {
    await k("create", "configmap", "live", "-n", "real", "--from-literal=greeting=hello");
    await apply({
      apiVersion: "v1", kind: "Pod", metadata: { name: "follower", namespace: "real" },
      spec: {
        terminationGracePeriodSeconds: 1, volumes: [{ name: "live", configMap: { name: "live" } }],
        containers: [{ name: "main", image: "busybox", command: ["sleep", "3600"], volumeMounts: [{ name: "live", mountPath: "/etc/live" }, { name: "live", mountPath: "/pinned", subPath: "greeting" }] }],
      },
    });
    await until("follower running", async () => (await pod("follower")).status?.phase === "Running");
    const cat = (path: string) => k("exec", "follower", "-n", "real", "--", "cat", path);
    expect(await cat("/etc/live/greeting")).toBe("hello");
    await k("patch", "configmap", "live", "-n", "real", "--type=merge", "-p", JSON.stringify({ data: { greeting: "bonjour" } }));
    await until("the mounted file to follow", async () => (await cat("/etc/live/greeting")) === "bonjour");
    expect(await cat("/pinned")).toBe("hello");
  });

  test("kubectl debug: an ephemeral container joins the running pod and sees its target's processes", async () => {
    await k("debug", "follower", "-n", "real", "--image=busybox", "--target=main", "-c", "dbg", "--", "sh", "-c", "ps -o pid,args");
    const p = await until("the ephemeral container to finish", async () => {
      const got = await pod("follower");
      return got.status?.ephemeralContainerStatuses?.[0]?.state?.terminated ? got : undefined;
    });
    expect(p.spec.ephemeralContainers.map((c: any) => c.name)).toEqual(["dbg"]);
    expect(p.status.ephemeralContainerStatuses[0]).toMatchObject({ name: "dbg", ready: false, state: { terminated: { exitCode: 0, reason: "Completed" } } });
    // The target's own process, seen from the debugger: the process namespace is the target's.
    expect(await k("logs", "follower", "-n", "real", "-c", "dbg")).toContain("sleep 3600");
    // The pod itself ran on undisturbed.
    expect(p.status.containerStatuses[0]).toMatchObject({ name: "main", ready: true, restartCount: 0 });
  });

  test("kubectl debug -i attaches to the ephemeral container's stdin and output", async () => {
    // Stdin stays open until the answer is in, as at a terminal: with stdinOnce unset (kubectl
    // debug leaves it so) the runtime ends an attach when the client's stdin ends, in Kubernetes too.
    const p = Bun.spawn([KUBECTL, "--kubeconfig", c.server.kubeconfig, "debug", "-i", "follower", "-n", "real", "--image=busybox", "--target=main", "-c", "dbg-i", "--", "sh"], {
      stdin: "pipe", stdout: "pipe", stderr: "pipe", env: { ...process.env, HOME: c.dataDir },
    });
    const timer = setTimeout(() => p.kill(9), 90_000);
    let out = "";
    const answered = () => /from-42\n1\n/.test(out);
    const reading = (async () => {
      for await (const chunk of p.stdout as ReadableStream<Uint8Array>) {
        out += new TextDecoder().decode(chunk);
        if (answered()) return;
      }
    })();
    // What the shell prints before containerd has joined the attach's output to it is not
    // forwarded (kubectl says "If you don't see a command prompt, try pressing enter"): the line
    // is typed again until its answer shows, as a user would.
    for (let i = 0; i < 40 && !answered() && p.exitCode === null; i++) {
      p.stdin.write("echo from-$((6*7)); ps -o args | grep -c 'sleep 3600'\n");
      p.stdin.flush();
      await Promise.race([reading, Bun.sleep(500)]);
    }
    expect(out).toMatch(/from-42\n1\n/);
    p.stdin.write("exit\n");
    p.stdin.end();
    expect(await p.exited).toBe(0);
    clearTimeout(timer);
    await until("the interactive debugger to end", async () => (await pod("follower")).status?.ephemeralContainerStatuses?.find((s: any) => s.name === "dbg-i")?.state?.terminated);
  });

  test("kubectl debug --copy-to: a copy of the pod (its ConfigMap volume too) with another command", async () => {
    // kubectl sends the copy as protobuf: its volumes' inline fields must survive the decoding.
    // A line of output: the runtime logs an unfinished line only once the line ends.
    await k("debug", "follower", "-n", "real", "--copy-to=follower-copy", "--container=main", "--", "sh", "-c", "echo $(cat /etc/live/greeting); exec sleep 3600");
    const copy = await until("the copy to run", async () => {
      const p = await pod("follower-copy");
      return p.status?.containerStatuses?.[0]?.state?.running ? p : undefined;
    });
    expect(copy.spec.ephemeralContainers).toBeUndefined();
    expect(copy.spec.volumes.find((v: any) => v.name === "live")).toEqual({ name: "live", configMap: { name: "live", defaultMode: 420 } });
    await until("the copy's output", async () => (await k("logs", "follower-copy", "-n", "real", "-c", "main")) === "bonjour\n");
    await k("delete", "pod", "follower-copy", "-n", "real", "--wait=false");
  });

  test("kubectl debug node/…: a pod in the node's namespaces with its filesystem at /host", async () => {
    const out = await k("debug", `node/${NODE}`, "-n", "real", "--image=busybox", "--", "sh", "-c", "cat /host/etc/hostname; hostname");
    const name = /pod\/(node-debugger-[\w-]+)/.exec(out)?.[1] ?? JSON.parse(await k("get", "pods", "-n", "real", "-o", "json")).items.find((p: any) => p.metadata.name.startsWith("node-debugger-"))?.metadata.name;
    expect(name).toBeDefined();
    await until("the node debugger to finish", async () => (await pod(name)).status?.phase === "Succeeded");
    const host = readFileSync("/etc/hostname", "utf8").trim();
    // The host's file, and the host's UTS namespace (hostNetwork): the node's own name twice.
    expect((await k("logs", name, "-n", "real")).trim().split("\n")).toEqual([host, host]);
    await k("delete", "pod", name, "-n", "real", "--wait=false");
  });

  test("exit codes, reasons and the termination message are reported", async () => {
    const failed = await runScript("fails", "echo 'it broke' > /dev/termination-log; exit 3");
    expect(failed.status.phase).toBe("Failed");
    expect(failed.status.containerStatuses[0].state.terminated).toMatchObject({ exitCode: 3, reason: "Error", message: "it broke\n" });
    const ok = await runScript("succeeds", "exit 0");
    expect(ok.status.containerStatuses[0].state.terminated).toMatchObject({ exitCode: 0, reason: "Completed" });
  });

  test("Jobs run real containers to completion with their real exit codes", async () => {
    const job = (name: string, script: string, spec: object) => ({
      apiVersion: "batch/v1", kind: "Job", metadata: { name, namespace: "real" },
      spec: { ...spec, template: { spec: { restartPolicy: "Never", terminationGracePeriodSeconds: 1, containers: [{ name: "main", image: "busybox", command: ["sh", "-c", script] }] } } },
    });
    await apply(job("twice", "echo working; sleep 1; exit 0", { completions: 2, parallelism: 2 }));
    await apply(job("broken", "exit 4", { backoffLimit: 1 }));
    expect(await k("wait", "--for=condition=complete", "job/twice", "-n", "real", "--timeout=90s")).toContain("condition met");
    expect(await k("wait", "--for=condition=failed", "job/broken", "-n", "real", "--timeout=120s")).toContain("condition met");
    const codes = JSON.parse(await k("get", "pods", "-n", "real", "-l", "job-name=broken", "-o", "json")).items.map((p: any) => p.status.containerStatuses[0].state.terminated.exitCode);
    expect(codes).toEqual([4, 4]);
    expect(await k("get", "job", "twice", "-n", "real", "-o", "jsonpath={.status.succeeded}")).toBe("2");
  });

  test("resource limits land in the container's cgroup", async () => {
    const script = "m=$(cat /sys/fs/cgroup/memory.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes); test \"$m\" = 67108864";
    const done = await runScript("limited", script, { containerExtra: { resources: { limits: { memory: "64Mi", cpu: "500m" } } } });
    expect(done.status.phase).toBe("Succeeded");
    expect(done.status.qosClass).toBe("Guaranteed");
  });

  test("init containers run first and share volumes; securityContext applies", async () => {
    const done = await runScript("with-init", 'test "$(cat /work/from-init)" = prepared && test "$(id -u)" = 1000 && ! touch /rootfs-is-readonly 2>/dev/null', {
      volumes: [{ name: "work", emptyDir: {} }],
      initContainers: [{ name: "prepare", image: "busybox", command: ["sh", "-c", "echo prepared > /work/from-init"], volumeMounts: [{ name: "work", mountPath: "/work" }] }],
      containerExtra: { volumeMounts: [{ name: "work", mountPath: "/work" }], securityContext: { runAsUser: 1000, readOnlyRootFilesystem: true } },
    });
    expect(done.status.phase).toBe("Succeeded");
    expect(done.status.initContainerStatuses[0].state.terminated).toMatchObject({ exitCode: 0, reason: "Completed" });
  });

  test("a container over its memory limit is OOMKilled", async () => {
    const done = await runScript("hog", "x=$(head -c 200000000 /dev/zero | tr '\\0' a); echo survived", { containerExtra: { resources: { limits: { memory: "32Mi" } } } });
    expect(done.status.phase).toBe("Failed");
    expect(done.status.containerStatuses[0].state.terminated).toMatchObject({ reason: "OOMKilled", exitCode: 137 });
  });

  test("a container that keeps failing is restarted with back-off", async () => {
    await apply({ apiVersion: "v1", kind: "Pod", metadata: { name: "crashy", namespace: "real" }, spec: { terminationGracePeriodSeconds: 1, containers: [{ name: "main", image: "busybox", command: ["sh", "-c", "exit 1"] }] } });
    const p = await until("a restart", async () => {
      const cur = await pod("crashy");
      return cur.status?.containerStatuses?.[0]?.restartCount >= 1 ? cur : undefined;
    });
    expect(p.status.containerStatuses[0].lastState.terminated.exitCode).toBe(1);
  });

  test("readiness and liveness probes: ready only once the probe passes; a failing liveness probe restarts", async () => {
    await apply({
      apiVersion: "v1", kind: "Pod", metadata: { name: "probed", namespace: "real" },
      spec: {
        terminationGracePeriodSeconds: 1,
        containers: [{
          name: "main", image: "busybox",
          command: ["sh", "-c", "touch /tmp/alive; sleep 2; touch /tmp/ready; sleep 2; rm /tmp/alive; sleep 3600"],
          readinessProbe: { exec: { command: ["test", "-f", "/tmp/ready"] }, periodSeconds: 1, failureThreshold: 1 },
          livenessProbe: { exec: { command: ["test", "-f", "/tmp/alive"] }, periodSeconds: 1, failureThreshold: 2 },
        }],
      },
    });
    const ready = () => k("get", "pod", "probed", "-n", "real", "-o", "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}");
    await until("running, not ready", async () => (await pod("probed")).status?.containerStatuses?.[0]?.state?.running && (await ready()) === "False");
    await until("ready", async () => (await ready()) === "True");
    const restarted = await until("restarted by liveness", async () => {
      const p = await pod("probed");
      return p.status?.containerStatuses?.[0]?.restartCount >= 1 ? p : undefined;
    });
    expect(restarted.status.containerStatuses[0].lastState.terminated).toBeDefined();
    const events = await k("get", "events", "-n", "real", "--field-selector", "involvedObject.name=probed", "-o", "jsonpath={range .items[*]}{.reason}: {.message}{\"\\n\"}{end}");
    expect(events).toContain("Unhealthy: Liveness probe failed");
    expect(events).toContain("Killing: Container main failed liveness probe, will be restarted");
  });

  test("an image that is not here and cannot be pulled: ErrImagePull, then ImagePullBackOff", async () => {
    await apply({ apiVersion: "v1", kind: "Pod", metadata: { name: "no-image", namespace: "real" }, spec: { terminationGracePeriodSeconds: 0, containers: [{ name: "main", image: "registry.invalid/nothere:1" }] } });
    const seen = new Set<string>();
    await until("ImagePullBackOff", async () => {
      const reason = (await pod("no-image")).status?.containerStatuses?.[0]?.state?.waiting?.reason;
      if (reason) seen.add(reason);
      return reason === "ImagePullBackOff";
    }, 90_000);
    const p = await pod("no-image");
    expect(p.status.containerStatuses[0].state.waiting.message).toBe('Back-off pulling image "registry.invalid/nothere:1"');
    const events = await k("get", "events", "-n", "real", "--field-selector", "involvedObject.name=no-image", "-o", "jsonpath={range .items[*]}{.reason}: {.message}{\"\\n\"}{end}");
    expect(events).toContain('Pulling: Pulling image "registry.invalid/nothere:1"');
    expect(events).toMatch(/Failed: Failed to pull image "registry.invalid\/nothere:1": /);
    await k("delete", "pod", "no-image", "-n", "real", "--wait=false");
  });

  test("a container log past --kubelet-arg container-log-max-size is rotated, keeping max-files; the pod's logs go with the pod", async () => {
    await apply({ apiVersion: "v1", kind: "Pod", metadata: { name: "chatty", namespace: "real" }, spec: { terminationGracePeriodSeconds: 0, containers: [{ name: "main", image: "busybox", command: ["sh", "-c", "head -c 3000000 /dev/zero | tr '\\0' a | fold -w 100; sleep 3600"] }] } });
    const p = await until("chatty running", async () => {
      const cur = await pod("chatty");
      return cur.status?.phase === "Running" ? cur : undefined;
    });
    const logDir = join(c.dataDir, "agent", "logs", "pods", `real_chatty_${p.metadata.uid}`, "main");
    await until("a rotated log file", async () => existsSync(logDir) && readdirSync(logDir).some((f) => /^0\.log\.\d{8}-\d{6}$/.test(f)), 60_000);
    // max-files 2: the live file and one rotated one.
    expect(readdirSync(logDir).filter((f) => f.startsWith("0.log.")).length).toBe(1);
    await k("delete", "pod", "chatty", "-n", "real", "--wait=true", "--timeout=30s");
    await until("its log dir removed", async () => !existsSync(logDir));
  });

  test("the agent dying (kill -9 of the server) stops no container; the restarted agent adopts them", async () => {
    const before = JSON.parse(await k("get", "pods", "-n", "real", "-l", "app=web", "-o", "json")).items;
    c.server.proc.kill(9);
    await c.server.proc.exited;
    for (const p of before) expect(await httpStatus(p.status.podIP)).toBe(200);
    await c.start();
    await c.nodeReady();
    await Bun.sleep(2000);
    const after = JSON.parse(await k("get", "pods", "-n", "real", "-l", "app=web", "-o", "json")).items;
    expect(after.map((p: any) => p.metadata.uid).sort()).toEqual(before.map((p: any) => p.metadata.uid).sort());
    for (const p of after) {
      const was = before.find((b: any) => b.metadata.uid === p.metadata.uid);
      expect(p.status.containerStatuses[0].containerID).toBe(was.status.containerStatuses[0].containerID);
      expect(p.status.containerStatuses[0].restartCount).toBe(0);
      expect(p.status.podIP).toBe(was.status.podIP);
    }
  });

  test("a pod the restarted agent adopted still follows its ConfigMap", async () => {
    await k("patch", "configmap", "live", "-n", "real", "--type=merge", "-p", JSON.stringify({ data: { greeting: "again" } }));
    await until("the adopted pod's file to follow", async () => (await k("exec", "follower", "-n", "real", "--", "cat", "/etc/live/greeting")) === "again");
  });

  test("containerd dying is survived: the agent starts it again and the pods keep running", async () => {
    const pidFile = join(c.dataDir, "agent", "containerd", "containerd.pid");
    const old = Number(readFileSync(pidFile, "utf8").trim());
    const before = JSON.parse(await k("get", "pods", "-n", "real", "-l", "app=web", "-o", "json")).items;
    process.kill(old, "SIGKILL");
    await until("a new containerd", async () => {
      const now = Number(readFileSync(pidFile, "utf8").trim());
      return now !== old && existsSync(`/proc/${now}`);
    });
    for (const p of before) expect(await httpStatus(p.status.podIP)).toBe(200);
    await Bun.sleep(2000);
    const after = JSON.parse(await k("get", "pods", "-n", "real", "-l", "app=web", "-o", "json")).items;
    for (const p of after) expect(p.status.containerStatuses[0].restartCount).toBe(0);
    expect(await k("get", "node", NODE, "-o", "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}")).toBe("True");
  });

  test("a pod deleted while its agent was down is cleaned up when the agent comes back", async () => {
    await apply({ apiVersion: "v1", kind: "Pod", metadata: { name: "orphan", namespace: "real" }, spec: { terminationGracePeriodSeconds: 1, containers: [{ name: "main", image: "busybox", command: ["sleep", "3600"] }] } });
    const p = await until("orphan running", async () => {
      const cur = await pod("orphan");
      return cur.status?.phase === "Running" ? cur : undefined;
    });
    c.server.proc.kill(9);
    await c.server.proc.exited;
    // The server alone, without its agent: the pod can only be removed by force.
    await c.start({ agent: false });
    await k("delete", "pod", "orphan", "-n", "real", "--force", "--grace-period=0");
    await c.server.stop();
    await c.start();
    await until("the orphan's files removed", async () => !readdirSync(join(c.dataDir, "agent", "pods")).includes(p.metadata.uid));
  });

  test("delete stops the pod within its grace period and frees its sandbox", async () => {
    const [p] = JSON.parse(await k("get", "pods", "-n", "real", "-l", "app=web", "-o", "json")).items;
    await k("delete", "pod", p.metadata.name, "-n", "real", "--wait=true", "--timeout=30s");
    const podDirs = () => readdirSync(join(c.dataDir, "agent", "pods"));
    await until("pod dir removed", async () => !podDirs().includes(p.metadata.uid));
    await expect(fetch(`http://${p.status.podIP}:8080/`, { signal: AbortSignal.timeout(1000) })).rejects.toThrow();
  });
});
