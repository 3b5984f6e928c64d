/**
 * The container runtime seen by the agent, shaped like the CRI's RuntimeService (sandboxes
 * hold a pod's network and shared namespaces; containers run inside one), so that the
 * containerd backend maps onto it call for call and the fake backend for hollow nodes obeys
 * the same contract. State lives in the runtime, not in the agent: after a restart the agent
 * lists sandboxes and containers and adopts what runs (fail-static).
 */
import type { KubeObject } from "../../model/object.ts";
import type { ContainerUsagePoint, PodUsagePoint } from "../../resource-metrics/types.ts";

export type SandboxState = "ready" | "notready";
export type ContainerState = "created" | "running" | "exited" | "unknown";

export interface SandboxInfo {
  id: string;
  /** The pod's uid, name and namespace (CRI PodSandboxMetadata). */
  uid: string;
  name: string;
  namespace: string;
  attempt: number;
  state: SandboxState;
  ip?: string;
  /** Unix ms. */
  createdAt: number;
}

export interface ContainerInfo {
  id: string;
  sandboxId: string;
  /** The container's name in the pod spec. */
  name: string;
  attempt: number;
  image: string;
  imageRef: string;
  state: ContainerState;
  /** Unix ms; 0 when not reached. */
  createdAt: number;
  startedAt: number;
  finishedAt: number;
  exitCode: number;
  /** CRI reason for an exited container: "Completed", "Error", "OOMKilled". */
  reason?: string;
  message?: string;
}

export interface RuntimeEvent {
  sandboxId: string;
  containerId?: string;
  /** The pod's uid, so the agent can wake that pod's worker. */
  podUid: string;
}

export interface RuntimeVersion {
  runtimeName: string;
  runtimeVersion: string;
}

/** An image the runtime holds (CRI Image), for node.status.images. */
export interface RuntimeImage {
  id: string;
  repoTags: string[];
  repoDigests: string[];
  sizeBytes: number;
}

export interface UsageStats {
  containers: ContainerUsagePoint[];
  pods?: PodUsagePoint[];
}

export interface Runtime {
  version(): Promise<RuntimeVersion>;
  /** Whether an image is present locally (pull policy decides what to do when not). */
  hasImage(image: string): Promise<boolean>;
  /** The images present on the node (node.status.images); absent where images are not real (hollow nodes). */
  listImages?(): Promise<RuntimeImage[]>;
  runPodSandbox(pod: KubeObject, attempt: number, podCidr: string | undefined): Promise<SandboxInfo>;
  stopPodSandbox(id: string): Promise<void>;
  removePodSandbox(id: string): Promise<void>;
  listPodSandboxes(): Promise<SandboxInfo[]>;
  /** `container` is the pod spec's container (or init container); returns the container id. */
  createContainer(sandbox: SandboxInfo, pod: KubeObject, container: any, attempt: number): Promise<string>;
  startContainer(id: string): Promise<void>;
  /** SIGTERM, then SIGKILL after timeoutSeconds. Resolves once it has exited. */
  stopContainer(id: string, timeoutSeconds: number): Promise<void>;
  removeContainer(id: string): Promise<void>;
  listContainers(sandboxId?: string): Promise<ContainerInfo[]>;
  /**
   * Fetches an image that is not present (kubelet's pull); absent where nothing can be pulled.
   * Returns the image reference.
   */
  pullImage?(image: string): Promise<string>;
  /** Runs a command in a container and waits (exec probes); absent on runtimes without processes. */
  execSync?(containerId: string, cmd: string[], timeoutSeconds: number): Promise<{ exitCode: number; stdout: string; stderr: string }>;
  /** CPU and memory readings of running containers (and pods) for `/metrics/resource`; absent where nothing really runs. */
  usageStats?(): Promise<UsageStats>;
  /** A URL on the runtime's streaming server for one exec, attach or port-forward (CRI Exec/Attach/PortForward); absent on runtimes without processes. */
  streamUrl?(req: StreamRequest): Promise<string>;
  /** The node's pod CIDR is known (or changed): set up the pod network for it. */
  setPodCidr?(cidr: string): Promise<void>;
  /** The pod is gone for good: release what the runtime keeps for it on the node (volumes, logs). */
  releasePod?(uid: string): Promise<void>;
  /** Container and sandbox state changes (the agent's PLEG). Returns an unsubscribe. */
  subscribe(listener: (e: RuntimeEvent) => void): () => void;
}

/** What a streaming URL is for (the CRI's ExecRequest, AttachRequest, PortForwardRequest). */
export type StreamRequest =
  | { kind: "exec"; containerId: string; cmd: string[]; stdin: boolean; stdout: boolean; stderr: boolean; tty: boolean }
  | { kind: "attach"; containerId: string; stdin: boolean; stdout: boolean; stderr: boolean; tty: boolean }
  | { kind: "portforward"; sandboxId: string; ports: number[] };

export class RuntimeError extends Error {
  constructor(
    /** Kubernetes' waiting reason this failure shows as (CreateContainerError, ErrImageNeverPull, …). */
    readonly reason: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "RuntimeError";
  }
}
