import { expect, test } from "bun:test";
import type { KubeObject } from "../../model/object.ts";
import type { ContainerConfig, PodSandboxConfig } from "../runtime/types.ts";
import type { CriClient } from "./cri-client.ts";
import { CriRuntime } from "./cri-runtime.ts";

/** A CRI that records what it is asked and answers just enough. */
function recordingClient() {
  const calls: { method: string; req: any }[] = [];
  const client = {
    call: async (_service: string, method: string, req: any) => {
      calls.push({ method, req });
      if (method === "RunPodSandbox") return { podSandboxId: "sb1" };
      if (method === "PodSandboxStatus") return { status: { state: "SANDBOX_READY", network: { ip: "10.42.0.7" }, createdAt: "1700000000000000000" } };
      if (method === "CreateContainer") return { containerId: "c1" };
      return {};
    },
  } as unknown as CriClient;
  return { client, calls };
}

const pod: KubeObject = { apiVersion: "v1", kind: "Pod", metadata: { name: "web", namespace: "shop", uid: "u1" }, spec: { containers: [{ name: "app", image: "busybox" }] } };
const sandboxConfig: PodSandboxConfig = { pod, attempt: 1, hostname: "web-h", logDirectory: "/logs/shop_web_u1", cgroupParent: "/k3rs/besteffort/podu1", dns: { servers: ["10.43.0.10"], searches: [], options: [] } };
const config: ContainerConfig = {
  spec: { name: "app", image: "busybox", command: ["$(NOT_EXPANDED_HERE)"] }, attempt: 2, command: ["/bin/app"], args: ["--mode=fast"],
  env: [{ name: "MODE", value: "fast" }], mounts: [{ containerPath: "/etc/hosts", hostPath: "/pods/u1/etc-hosts", readonly: false }], logPath: "app/2.log",
};

test("the CRI runtime sends the prepared configs as they are: it resolves, writes and fetches nothing itself", async () => {
  const { client, calls } = recordingClient();
  const runtime = new CriRuntime({ client, nodeMemoryBytes: 2 ** 33 });
  const sb = await runtime.runPodSandbox(sandboxConfig);
  expect(sb).toMatchObject({ id: "sb1", uid: "u1", attempt: 1, state: "ready", ip: "10.42.0.7", createdAt: 1_700_000_000_000 });
  expect(await runtime.createContainer(sb, config, sandboxConfig)).toBe("c1");
  const run = calls.find((c) => c.method === "RunPodSandbox")!.req.config;
  expect(run).toMatchObject({ hostname: "web-h", logDirectory: "/logs/shop_web_u1", dnsConfig: sandboxConfig.dns, linux: { cgroupParent: "/k3rs/besteffort/podu1" } });
  const create = calls.find((c) => c.method === "CreateContainer")!.req;
  expect(create.podSandboxId).toBe("sb1");
  expect(create.sandboxConfig).toEqual(run);
  expect(create.config).toMatchObject({
    metadata: { name: "app", attempt: 2 }, command: ["/bin/app"], args: ["--mode=fast"], envs: [{ key: "MODE", value: "fast" }], logPath: "app/2.log",
    mounts: [{ containerPath: "/etc/hosts", hostPath: "/pods/u1/etc-hosts", readonly: false, propagation: "PROPAGATION_PRIVATE" }],
  });
  expect(calls.map((c) => c.method)).toEqual(["RunPodSandbox", "PodSandboxStatus", "CreateContainer"]);
});

test("one pod's sandboxes are asked of the runtime by the pod's uid label; the node's, without a filter", async () => {
  const { client, calls } = recordingClient();
  const runtime = new CriRuntime({ client, nodeMemoryBytes: 2 ** 33 });
  await runtime.listPodSandboxes("u1");
  await runtime.listPodSandboxes();
  expect(calls.filter((c) => c.method === "ListPodSandbox").map((c) => c.req)).toEqual([{ filter: { labelSelector: { "io.kubernetes.pod.uid": "u1" } } }, {}]);
});
