/**
 * Hollow nodes prepare their pods as real nodes do (the pod worker's preparer, before the
 * runtime): env resolved from ConfigMaps, Secrets and the downward API with `$(VAR)`
 * expanded, volume content on disk under the agent's data dir, the pod's /etc/hosts and its
 * termination-message file — and the fake runtime is handed exactly that, as containerd is.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startHollowCluster, type HollowCluster } from "../helpers/hollow-cluster.ts";

let c: HollowCluster;
let node: string;
const NS = "/api/v1/namespaces/default";

beforeAll(async () => {
  c = await startHollowCluster({ nodes: 1, prefix: "prep" });
  node = c.nodeNames[0]!;
  expect((await c.json("POST", `${NS}/configmaps`, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "app" }, data: { MODE: "fast", "app.conf": "threads=4\n" } })).status).toBe(201);
  expect((await c.json("POST", `${NS}/secrets`, { apiVersion: "v1", kind: "Secret", metadata: { name: "creds" }, data: { PASSWORD: Buffer.from("s3cret").toString("base64") } })).status).toBe(201);
});
afterAll(async () => {
  await c?.close();
});

async function createPod(name: string, spec: Record<string, unknown>, labels: Record<string, string> = {}): Promise<any> {
  const res = await c.json("POST", `${NS}/pods`, { apiVersion: "v1", kind: "Pod", metadata: { name, labels }, spec: { nodeName: node, ...spec } });
  expect(res.status).toBe(201);
  return res.body;
}

async function getPod(name: string): Promise<any> {
  return (await c.json("GET", `${NS}/pods/${name}`)).body;
}

/** The config the node's runtime was given for the pod's latest run of a container. */
async function givenConfig(uid: string, container: string) {
  const runtime = c.runtimeOf(node);
  const sandbox = (await runtime.listPodSandboxes()).filter((s) => s.uid === uid).at(-1)!;
  const run = (await runtime.listContainers(sandbox.id)).filter((x) => x.name === container).sort((a, b) => b.attempt - a.attempt)[0]!;
  return { sandbox: runtime.sandboxConfigOf(sandbox.id)!, container: runtime.containerConfigOf(run.id)! };
}

const podDir = (uid: string) => join(c.dir, "agent", "pods", uid);

describe("a hollow pod's prepared inputs", () => {
  test("env from a ConfigMap, a Secret and the downward API, $(VAR) expanded in env and command; volumes and /etc/hosts on disk", async () => {
    await createPod("web", {
      hostname: "web-host",
      containers: [{
        name: "app",
        image: "busybox",
        command: ["/app", "--mode=$(MODE)", "--escaped=$$(MODE)"],
        envFrom: [{ prefix: "CFG_", configMapRef: { name: "app" } }],
        env: [
          { name: "MODE", valueFrom: { configMapKeyRef: { name: "app", key: "MODE" } } },
          { name: "PASSWORD", valueFrom: { secretKeyRef: { name: "creds", key: "PASSWORD" } } },
          { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
          { name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
          { name: "GREETING", value: "running $(POD_NAME) in $(MODE) mode" },
        ],
        volumeMounts: [
          { name: "config", mountPath: "/etc/app" },
          { name: "scratch", mountPath: "/scratch" },
          { name: "info", mountPath: "/etc/podinfo" },
          { name: "host", mountPath: "/host" },
        ],
      }],
      volumes: [
        { name: "config", configMap: { name: "app" } },
        { name: "scratch", emptyDir: {} },
        { name: "info", downwardAPI: { items: [{ path: "labels", fieldRef: { fieldPath: "metadata.labels" } }] } },
        // A hollow node's host is imagined: this path is neither checked nor created here.
        { name: "host", hostPath: { path: "/no/such/dir/on/the/test/machine", type: "Directory" } },
      ],
    }, { tier: "front" });
    const pod = await c.waitFor(async () => {
      const p = await getPod("web");
      return p.status?.phase === "Running" && p;
    }, "web Running");
    const uid = pod.metadata.uid;
    const podIP = pod.status.podIP;
    expect(podIP).toBeTruthy();

    const { sandbox, container } = await givenConfig(uid, "app");
    const env = Object.fromEntries(container.env.map((e) => [e.name, e.value]));
    expect(env).toEqual({
      CFG_MODE: "fast", "CFG_app.conf": "threads=4\n",
      MODE: "fast", PASSWORD: "s3cret", POD_NAME: "web", POD_IP: podIP, GREETING: "running web in fast mode",
    });
    expect(container.command).toEqual(["/app", "--mode=fast", "--escaped=$(MODE)"]);

    const mounts = Object.fromEntries(container.mounts.map((m) => [m.containerPath, m]));
    const configDir = join(podDir(uid), "volumes", "kubernetes.io~configmap", "config");
    expect(mounts["/etc/app"]).toMatchObject({ hostPath: configDir, readonly: true });
    expect(readFileSync(join(configDir, "app.conf"), "utf8")).toBe("threads=4\n");
    expect(readFileSync(join(configDir, "MODE"), "utf8")).toBe("fast");
    expect(mounts["/scratch"]!.hostPath).toBe(join(podDir(uid), "volumes", "kubernetes.io~empty-dir", "scratch"));
    expect(existsSync(mounts["/scratch"]!.hostPath)).toBe(true);
    expect(readFileSync(join(mounts["/etc/podinfo"]!.hostPath, "labels"), "utf8")).toBe('tier="front"');
    expect(mounts["/host"]).toMatchObject({ hostPath: "/no/such/dir/on/the/test/machine", readonly: false });
    expect(existsSync("/no/such/dir/on/the/test/machine")).toBe(false);
    expect(readFileSync(mounts["/etc/hosts"]!.hostPath, "utf8")).toContain(`\n${podIP}\tweb-host\n`);
    expect(mounts["/dev/termination-log"]!.hostPath).toBe(join(podDir(uid), "containers", "app", "0-termination-log"));

    expect(sandbox).toMatchObject({
      hostname: "web-host",
      logDirectory: join(c.dir, "agent", "logs", "pods", `default_web_${uid}`),
      cgroupParent: `/k3rs/besteffort/pod${uid}`,
    });
    expect(container.logPath).toBe("app/0.log");
    expect(existsSync(join(sandbox.logDirectory, "app"))).toBe(true);

    // Deleted, the pod's files go with it.
    expect((await c.json("DELETE", `${NS}/pods/web`)).status).toBe(202); // graceful: the agent finishes it
    await c.waitFor(async () => (await c.json("GET", `${NS}/pods/web`)).status === 404, "web gone");
    await c.waitFor(() => !existsSync(podDir(uid)) && !existsSync(sandbox.logDirectory), "web's files removed");
  });

  test("a missing ConfigMap key ref waits in CreateContainerConfigError; a missing volume source is a FailedMount", async () => {
    await createPod("no-env", { containers: [{ name: "app", image: "busybox", env: [{ name: "X", valueFrom: { configMapKeyRef: { name: "absent", key: "X" } } }] }] });
    await createPod("no-volume", { containers: [{ name: "app", image: "busybox" }], volumes: [{ name: "v", secret: { secretName: "absent" } }] });
    const waiting = await c.waitFor(async () => (await getPod("no-env")).status?.containerStatuses?.[0]?.state?.waiting?.reason === "CreateContainerConfigError" && getPod("no-env"), "CreateContainerConfigError");
    expect(waiting.status.phase).toBe("Pending");
    expect(waiting.status.containerStatuses[0].state.waiting.message).toBe('configmap "absent" not found');
    const events = await c.waitFor(async () => {
      const items = (await c.json("GET", `${NS}/events?fieldSelector=${encodeURIComponent("involvedObject.name=no-volume")}`)).body.items;
      return items.some((e: any) => e.reason === "FailedMount") && items;
    }, "FailedMount event");
    expect(events.find((e: any) => e.reason === "FailedMount").message).toBe('MountVolume.SetUp failed for volume "v" : secret "absent" not found');
    expect((await getPod("no-volume")).status.phase).toBe("Pending");
  });

  test("an exited run's status carries what it wrote to its termination-message file", async () => {
    await createPod("last-words", { restartPolicy: "Never", containers: [{ name: "app", image: "busybox", command: ["sh", "-c", "sleep 3; exit 3"] }] });
    const pod = await c.waitFor(async () => {
      const p = await getPod("last-words");
      return p.status?.phase === "Running" && p;
    }, "last-words Running");
    const { container } = await givenConfig(pod.metadata.uid, "app");
    writeFileSync(container.mounts.find((m) => m.containerPath === "/dev/termination-log")!.hostPath, "disk full");
    const done = await c.waitFor(async () => {
      const p = await getPod("last-words");
      return p.status?.phase === "Failed" && p;
    }, "last-words Failed");
    expect(done.status.containerStatuses[0].state.terminated).toMatchObject({ exitCode: 3, reason: "Error", message: "disk full" });
  });
});
