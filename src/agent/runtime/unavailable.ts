/**
 * The runtime of a node whose container runtime cannot be used: it holds nothing and refuses
 * every sandbox with the reason, so pods show FailedCreatePodSandBox events and the node
 * reports Ready=False with the same message — the truth, rather than pretend pods.
 */
import type { ContainerInfo, Runtime, RuntimeVersion, SandboxInfo } from "./types.ts";
import { RuntimeError } from "./types.ts";

export class UnavailableRuntime implements Runtime {
  constructor(
    readonly message: string,
    private readonly name = "containerd",
  ) {}

  async version(): Promise<RuntimeVersion> {
    return { runtimeName: this.name, runtimeVersion: "unavailable" };
  }
  async hasImage(): Promise<boolean> {
    return false;
  }
  async runPodSandbox(): Promise<SandboxInfo> {
    throw new RuntimeError("CreatePodSandboxError", this.message);
  }
  async stopPodSandbox(): Promise<void> {}
  async removePodSandbox(): Promise<void> {}
  async listPodSandboxes(): Promise<SandboxInfo[]> {
    return [];
  }
  async createContainer(): Promise<string> {
    throw new RuntimeError("CreateContainerError", this.message);
  }
  async startContainer(): Promise<void> {
    throw new RuntimeError("RunContainerError", this.message);
  }
  async stopContainer(): Promise<void> {}
  async removeContainer(): Promise<void> {}
  async listContainers(): Promise<ContainerInfo[]> {
    return [];
  }
  subscribe(): () => void {
    return () => {};
  }
}
