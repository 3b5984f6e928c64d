import { afterAll, describe, expect, test } from "bun:test";
import type { IncomingMessage } from "node:http";
import { FakeRuntime } from "../runtime/fake.ts";
import type { Runtime } from "../runtime/types.ts";
import type { KubeObject } from "../../model/object.ts";
import { handleStreamingUpgrade } from "./streaming.ts";
import { duplexPair } from "../../../test/helpers/duplex-pair.ts";
import { containerConfigFor, sandboxConfigFor } from "../../../test/helpers/fake-pod-configs.ts";

const runtime = new FakeRuntime();
afterAll(() => runtime.close());

function makePod(name: string, uid: string): KubeObject {
  return { apiVersion: "v1", kind: "Pod", metadata: { name, namespace: "ns", uid }, spec: { containers: [{ name: "app", image: "busybox" }] } } as KubeObject;
}

const pods = new Map<string, KubeObject>([["ns/idle", makePod("idle", "u-idle")]]);

function request(url: string, headers: Record<string, string> = { connection: "Upgrade", upgrade: "SPDY/3.1" }): IncomingMessage {
  const rawHeaders = Object.entries(headers).flat();
  return { url, method: "POST", headers, rawHeaders } as unknown as IncomingMessage;
}

/** Runs one upgrade against the agent's streaming routes; resolves with what was written back. */
async function answer(url: string, headers?: Record<string, string>, rt: Runtime = runtime): Promise<{ taken: boolean; text: string }> {
  const [here, there] = duplexPair();
  const taken = handleStreamingUpgrade({ podByName: (ns, n) => pods.get(`${ns}/${n}`), runtime: rt }, request(url, headers), here, Buffer.alloc(0));
  if (!taken) return { taken, text: "" };
  const text = await new Promise<string>((r) => {
    let t = "";
    there.on("data", (c: Buffer) => (t += c.toString()));
    there.on("end", () => r(t));
  });
  return { taken, text };
}

const WS = { connection: "Upgrade", upgrade: "websocket", "sec-websocket-key": "a2V5a2V5a2V5a2V5a2V5aw==", "sec-websocket-version": "13" };

describe("agent streaming endpoints: the kubelet's refusals", () => {
  test("other paths are left to the caller", async () => {
    expect((await answer("/containerLogs/ns/idle/app")).taken).toBe(false);
    expect((await answer("/exec/ns/idle")).taken).toBe(false);
  });

  test("options are checked first, then the pod, then a running container", async () => {
    const none = await answer("/exec/ns/idle/app?command=true");
    expect(none.text).toStartWith("HTTP/1.1 400 Bad Request\r\n");
    expect(none.text).toEndWith("\r\n\r\nyou must specify at least 1 of stdin, stdout, stderr");
    expect((await answer("/exec/ns/gone/app?command=true&stdout=1")).text).toEndWith("\r\n\r\npod does not exist");
    const stopped = await answer("/exec/ns/idle/app?command=true&stdout=1");
    expect(stopped.text).toStartWith("HTTP/1.1 500 Internal Server Error\r\n");
    expect(stopped.text).toEndWith('\r\n\r\ncontainer not found ("app")');
    expect((await answer("/attach/ns/idle/app?stdout=1")).text).toEndWith('container not found ("app")');
  });

  test("a running container on a runtime without streaming, and WebSocket protocols it does not speak", async () => {
    const pod = makePod("busy", "u-busy");
    pods.set("ns/busy", pod);
    const sb = await runtime.runPodSandbox(sandboxConfigFor(pod), undefined);
    await runtime.startContainer(await runtime.createContainer(sb, containerConfigFor({ name: "app", image: "busybox" }), sandboxConfigFor(pod)));
    expect((await answer("/exec/ns/busy/app?command=true&stdout=1")).text).toContain("this node's runtime runs no processes");
    const old = await answer("/exec/ns/busy/app?command=true&stdout=1", { ...WS, "sec-websocket-protocol": "base64.channel.k8s.io" });
    expect(old.text).toEndWith("requested protocol(s) are not supported: [base64.channel.k8s.io]; supports [v5.channel.k8s.io v4.channel.k8s.io]");
    const pf = await answer("/portForward/ns/busy", { ...WS, "sec-websocket-protocol": "portforward.k8s.io" });
    expect(pf.text).toEndWith("requested protocol(s) are not supported: [portforward.k8s.io]; supports [SPDY/3.1+portforward.k8s.io]");
  });

  test("port-forward needs the pod's ready sandbox and sane ports", async () => {
    expect((await answer("/portForward/ns/gone")).text).toEndWith("pod does not exist");
    expect((await answer("/portForward/ns/idle")).text).toEndWith('pod not found ("idle_ns")');
    expect((await answer("/portForward/ns/busy?ports=0")).text).toStartWith("HTTP/1.1 400 ");
  });
});
