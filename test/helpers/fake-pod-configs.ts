/**
 * Configs as the agent's preparer would hand them to a runtime, for tests that drive the fake
 * runtime by hand (no volumes, env as written, no mounts).
 *
 * @example
 *   const sb = await runtime.runPodSandbox(sandboxConfigFor(pod), undefined);
 *   await runtime.startContainer(await runtime.createContainer(sb, containerConfigFor({ name: "app", image: "busybox" }), sandboxConfigFor(pod)));
 */
import type { KubeObject } from "../../src/model/object.ts";
import type { ContainerConfig, PodSandboxConfig } from "../../src/agent/runtime/types.ts";
import { containerLogPath, podLogDirectory } from "../../src/agent/pods/pod-files.ts";
import { podCgroupParent } from "../../src/agent/pods/pod-cgroups.ts";

export function sandboxConfigFor(pod: KubeObject, attempt = 0, logRoot = "/var/log/pods"): PodSandboxConfig {
  return { pod, attempt, hostname: pod.metadata.name!, logDirectory: podLogDirectory(pod, logRoot), cgroupParent: podCgroupParent(pod) };
}

export function containerConfigFor(spec: any, attempt = 0): ContainerConfig {
  return {
    spec, attempt, command: spec.command ?? [], args: spec.args ?? [],
    env: (spec.env ?? []).map((e: any) => ({ name: e.name, value: String(e.value ?? "") })), mounts: [], logPath: containerLogPath(spec.name, attempt),
  };
}
