/**
 * `kubectl exec`, `attach`-style streams and `port-forward` end to end without containerd: a
 * real server (HTTPS, client certificates), an agent holding the tunnel with its node
 * certificate, the fake runtime for containers, and a fake CRI streaming server (SPDY, as
 * containerd's) running commands the test scripts — driven with the real kubectl, over both
 * of its transports: WebSocket (its default) and SPDY (its fallback, forced by
 * KUBECTL_REMOTE_COMMAND_WEBSOCKETS / KUBECTL_PORT_FORWARD_WEBSOCKETS=false).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ServerHandle } from "../../src/server/run.ts";
import { loadKubeconfig } from "../../src/client/kubeconfig.ts";
import { RestClient } from "../../src/client/rest-client.ts";
import { FakeRuntime } from "../../src/agent/runtime/fake.ts";
import { containerConfigFor, sandboxConfigFor } from "../helpers/fake-pod-configs.ts";
import type { Runtime, StreamRequest } from "../../src/agent/runtime/types.ts";
import { createKubeletApi, type KubeletApi } from "../../src/agent/kubelet-api/kubelet-api.ts";
import type { KubeObject } from "../../src/model/object.ts";
import { startFakeStreamingServer, type CommandIO, type FakeStreamingServer } from "../helpers/fake-cri-streaming.ts";
import { connectTunnel, startHttpsTestServer } from "../helpers/https-server.ts";

const KUBECTL = "/usr/bin/kubectl";
const NODE = "exec-int-node";
const NS = "default";
let server: ServerHandle;
let admin: RestClient;
let dataDir: string;
let agentApi: KubeletApi;
let streaming: FakeStreamingServer;
let web: http.Server;
let webPort = 0;
const runtime = new FakeRuntime();
const stop = new AbortController();
const agentPods = new Map<string, KubeObject>();

function readText(s: NodeJS.ReadableStream | undefined): Promise<string> {
  return new Promise((r) => {
    if (!s) return r("");
    let t = "";
    s.on("data", (c: Buffer) => (t += c.toString()));
    s.on("end", () => r(t));
  });
}

/** What the fake containers can run. */
async function script(io: CommandIO): Promise<number> {
  const [cmd, ...args] = io.cmd;
  switch (cmd) {
    case "echo":
      io.stdout?.write(args.join(" ") + "\n");
      return 0;
    case "cat":
      io.stdout?.write(await readText(io.stdin));
      return 0;
    case "sh": {
      // sh -c 'echo x >&2; exit N'
      const m = /exit (\d+)/.exec(args[1] ?? "");
      io.stderr?.write("to stderr\n");
      return m ? Number(m[1]) : 0;
    }
    default:
      io.stderr?.write(`${cmd}: not found\n`);
      return 127;
  }
}

async function kubectl(args: string[], o: { stdin?: string; env?: Record<string, string> } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const p = Bun.spawn([KUBECTL, "--kubeconfig", server.kubeconfigPath, ...args], {
    stdin: o.stdin !== undefined ? new TextEncoder().encode(o.stdin) : "ignore",
    stdout: "pipe", stderr: "pipe",
    env: { ...process.env, HOME: dataDir, KUBECACHEDIR: join(dataDir, "kubecache"), ...o.env },
  });
  const timer = setTimeout(() => p.kill(9), 60_000);
  const [stdout, stderr] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text()]);
  const code = await p.exited;
  clearTimeout(timer);
  return { code, stdout, stderr };
}

async function pod(name: string, containers: string[], o: { nodeName?: string; run?: boolean } = {}): Promise<KubeObject> {
  const created = await admin.request(`/api/v1/namespaces/${NS}/pods`, {
    method: "POST",
    body: { apiVersion: "v1", kind: "Pod", metadata: { name }, spec: { containers: containers.map((c) => ({ name: c, image: "busybox" })), nodeName: o.nodeName } },
  });
  if (!o.nodeName) return created;
  agentPods.set(`${NS}/${name}`, created);
  if (o.run !== false) {
    const sb = await runtime.runPodSandbox(sandboxConfigFor(created), undefined);
    for (const c of containers) await runtime.startContainer(await runtime.createContainer(sb, containerConfigFor({ name: c, image: "busybox" }), sandboxConfigFor(created)));
  }
  // kubectl refuses to exec into a pod that is not Running or port-forward to one.
  return admin.request(`/api/v1/namespaces/${NS}/pods/${name}/status`, {
    method: "PATCH", contentType: "application/merge-patch+json", body: { status: { phase: "Running" } },
  });
}

const WS_OFF = { KUBECTL_REMOTE_COMMAND_WEBSOCKETS: "false", KUBECTL_PORT_FORWARD_WEBSOCKETS: "false" };

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "k3rs-exec-int-"));
  server = await startHttpsTestServer(dataDir, "exec-int");
  admin = new RestClient(loadKubeconfig(server.kubeconfigPath));
  streaming = await startFakeStreamingServer(script);
  web = http.createServer((req, res) => res.end(`pod answers ${req.url}\n`));
  await new Promise<void>((r) => web.listen(0, "127.0.0.1", () => r()));
  webPort = (web.address() as AddressInfo).port;
  // The fake runtime runs no processes; its streaming URLs point at the fake CRI streaming server.
  (runtime as Runtime).streamUrl = async (r: StreamRequest) => (r.kind === "portforward" ? streaming.portForwardUrl({ 8080: webPort }) : streaming.execUrl(r.kind === "exec" ? r.cmd : [], r));
  agentApi = createKubeletApi({ podByName: (ns, n) => agentPods.get(`${ns}/${n}`), runtime });
  const tunnel = await connectTunnel({ server, dataDir, nodeName: NODE, signal: stop.signal, serve: (s) => agentApi.serveConnection(s) });
  await pod("solo", ["app"], { nodeName: NODE });
  await pod("duo", ["web", "sidecar"], { nodeName: NODE });
});

afterAll(async () => {
  stop.abort();
  agentApi?.close();
  runtime.close();
  await streaming?.close();
  web?.close();
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe.skipIf(!existsSync(KUBECTL))("kubectl exec and port-forward through the agent tunnel", () => {
  for (const [transport, env] of [["WebSocket v5", {}], ["SPDY", WS_OFF]] as const) {
    test(`${transport}: output, the command's exit code, stdin to EOF`, async () => {
      const ok = await kubectl(["exec", "solo", "--", "echo", "hello", "world"], { env });
      expect(ok).toMatchObject({ code: 0, stdout: "hello world\n" });
      const failed = await kubectl(["exec", "solo", "--", "sh", "-c", "exit 3"], { env });
      expect(failed.code).toBe(3);
      expect(failed.stderr).toContain("to stderr\n");
      expect(failed.stderr).toContain("command terminated with exit code 3");
      const cat = await kubectl(["exec", "-i", "solo", "--", "cat"], { stdin: "hi\nthere\n", env });
      expect(cat).toMatchObject({ code: 0, stdout: "hi\nthere\n" });
      // -c picks the container of a two-container pod.
      expect((await kubectl(["exec", "duo", "-c", "sidecar", "--", "echo", "side"], { env })).stdout).toBe("side\n");
    });
  }

  test("the API's refusals: container names, unscheduled pods, an upgrade required", async () => {
    const bad = await kubectl(["exec", "duo", "-c", "nope", "--", "echo"]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("container nope is not valid for pod duo");
    await pod("pending", ["app"]);
    await admin.request(`/api/v1/namespaces/${NS}/pods/pending/status`, { method: "PATCH", contentType: "application/merge-patch+json", body: { status: { phase: "Pending" } } });
    const unscheduled = await kubectl(["exec", "pending", "--", "echo"]);
    expect(unscheduled.stderr).toContain("pod pending does not have a host assigned");
    const choose = await admin.raw(`/api/v1/namespaces/${NS}/pods/duo/exec?command=echo&stdout=true`, { accept: "application/json" });
    expect(choose.status).toBe(400);
    expect(((await choose.json()) as any).message).toBe("a container name must be specified for pod duo, choose one of: [web sidecar]");
    const plain = await admin.raw(`/api/v1/namespaces/${NS}/pods/solo/exec?command=echo&stdout=true`, { accept: "application/json" });
    expect(plain.status).toBe(400);
    expect(((await plain.json()) as any).message).toBe("Upgrade request required");
  });

  test("the agent's refusal for a container that does not run comes back in the kubelet's words", async () => {
    await pod("stopped", ["app"], { nodeName: NODE, run: false });
    for (const env of [{}, WS_OFF]) {
      const r = await kubectl(["exec", "stopped", "--", "echo"], { env });
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain('unable to upgrade connection: container not found ("app")');
    }
  });

  for (const [transport, env] of [["SPDY over WebSocket", {}], ["SPDY", WS_OFF]] as const) {
    test(`port-forward (${transport}): the pod's port answers on a local one`, async () => {
      const p = Bun.spawn([KUBECTL, "--kubeconfig", server.kubeconfigPath, "port-forward", "pod/solo", ":8080"], {
        stdout: "pipe", stderr: "pipe", env: { ...process.env, HOME: dataDir, KUBECACHEDIR: join(dataDir, "kubecache"), ...env },
      });
      try {
        const reader = (p.stdout as ReadableStream<Uint8Array>).getReader();
        let out = "";
        let m: RegExpExecArray | null = null;
        while (!(m = /Forwarding from 127\.0\.0\.1:(\d+) -> 8080/.exec(out))) {
          const r = await reader.read();
          if (r.done) throw new Error(`kubectl port-forward ended: ${out} ${await new Response(p.stderr).text()}`);
          out += new TextDecoder().decode(r.value);
        }
        const local = Number(m[1]);
        for (const path of ["/one", "/two"]) expect(await (await fetch(`http://127.0.0.1:${local}${path}`)).text()).toBe(`pod answers ${path}\n`);
      } finally {
        p.kill(9);
        await p.exited;
      }
    });
  }
});
