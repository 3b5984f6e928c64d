/**
 * The kubelet's container log manager: every period, each running container's log file that
 * grew past the limit is rotated (rotate.ts) and the runtime told to reopen it. The agent
 * owns the log layout (pods/pod-files.ts), so it knows each file from the sandbox's pod and
 * the run's name and attempt.
 */
import { join } from "node:path";
import type { Runtime } from "../runtime/types.ts";
import { containerLogPath, podLogDirectory } from "../pods/pod-files.ts";
import { rotateIfNeeded, type RotateOptions } from "./rotate.ts";
import { log } from "../../log.ts";

/** One pass over the running containers. */
export async function rotateContainerLogs(runtime: Runtime, logRoot: string, o: RotateOptions): Promise<void> {
  const reopen = runtime.reopenContainerLog?.bind(runtime);
  if (!reopen) return;
  const sandboxes = new Map((await runtime.listPodSandboxes()).map((s) => [s.id, s]));
  for (const c of await runtime.listContainers()) {
    const sb = sandboxes.get(c.sandboxId);
    if (c.state !== "running" || !sb) continue;
    const path = join(podLogDirectory(sb, logRoot), containerLogPath(c.name, c.attempt));
    await rotateIfNeeded(path, () => reopen(c.id), o).catch((e) => log.warn("agent: rotating a container log failed", { container: c.id, error: String(e) }));
  }
}

/** Rotates every `everyMs` until the signal aborts. */
export function startLogRotation(runtime: Runtime, logRoot: string, o: RotateOptions, signal: AbortSignal, everyMs = 10_000): void {
  const timer = setInterval(() => void rotateContainerLogs(runtime, logRoot, o).catch((e) => log.warn("agent: log rotation failed", { error: String(e) })), everyMs);
  signal.addEventListener("abort", () => clearInterval(timer), { once: true });
}
