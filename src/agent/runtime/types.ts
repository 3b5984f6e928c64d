/**
 * The container runtime seen by the agent, shaped like the CRI's RuntimeService (sandboxes
 * hold a pod's network and shared namespaces; containers run inside one), so that the
 * containerd backend maps onto it call for call and the fake backend for hollow nodes obeys
 * the same contract. State lives in the runtime, not in the agent: after a restart the agent
 * lists sandboxes and containers and adopts what runs (fail-static).
 *
 * The runtime is handed plain, prepared data, as the kubelet hands the CRI: the pod worker
 * (pods/pod-preparer.ts) has already set up the volumes' host directories, written the pod's
 * /etc/hosts and resolved each container's environment from ConfigMaps, Secrets and the
 * downward API. A runtime never calls the API and never reads the pod spec for those.
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

/** A name and value of a container's environment, resolved. */
export interface EnvVar {
  name: string;
  value: string;
}

/** One bind mount into a container; the host path exists. */
export interface Mount {
  containerPath: string;
  hostPath: string;
  readonly: boolean;
  /** CRI MountPropagation; private when absent. */
  propagation?: "PROPAGATION_HOST_TO_CONTAINER" | "PROPAGATION_BIDIRECTIONAL";
}

/** Resolver settings of a pod (the CRI's DNSConfig). */
export interface DnsConfig {
  servers: string[];
  searches: string[];
  options: string[];
}

/** A pod's sandbox as the agent decided it (the CRI's PodSandboxConfig, in our terms). */
export interface PodSandboxConfig {
  /** The pod: its metadata (labels, annotations) and spec (ports, namespaces, security context). */
  pod: KubeObject;
  attempt: number;
  hostname: string;
  /** Where the pod's container logs go (`<logRoot>/<ns>_<name>_<uid>`); exists. */
  logDirectory: string;
  /** The pod's cgroup, by QoS class (`/k3rs/burstable/pod<uid>`). */
  cgroupParent: string;
  /** Resolver settings; absent for a host-network pod, which keeps the node's. */
  dns?: DnsConfig;
}

/** One run of a container as the agent prepared it (the CRI's ContainerConfig, in our terms). */
export interface ContainerConfig {
  /** The container as the pod spec has it: image, resources, security context, tty. */
  spec: any;
  attempt: number;
  /** Command and args with `$(VAR)` references expanded. */
  command: string[];
  args: string[];
  env: EnvVar[];
  /** volumeMounts (host directories set up), /etc/hosts, the termination-message file. */
  mounts: Mount[];
  /** The log file, relative to the sandbox's log directory (`<name>/<attempt>.log`). */
  logPath: string;
  /** An ephemeral container's target (`targetContainerName`): the runtime id whose process namespace it joins. */
  targetContainerId?: string;
}

export interface Runtime {
  version(): Promise<RuntimeVersion>;
  /** Whether an image is present locally (pull policy decides what to do when not). */
  hasImage(image: string): Promise<boolean>;
  /** The images present on the node (node.status.images); absent where images are not real (hollow nodes). */
  listImages?(): Promise<RuntimeImage[]>;
  /** `podCidr`: the node's, for a runtime that hands out addresses itself (the CNI config holds it for containerd). */
  runPodSandbox(config: PodSandboxConfig, podCidr: string | undefined): Promise<SandboxInfo>;
  stopPodSandbox(id: string): Promise<void>;
  removePodSandbox(id: string): Promise<void>;
  /** `podUid`: only that pod's sandboxes (a pod worker's look, asked of the runtime rather than filtered here). */
  listPodSandboxes(podUid?: string): Promise<SandboxInfo[]>;
  /** Returns the container id; `sandboxConfig` is the one the sandbox was made with (the CRI asks for it again). */
  createContainer(sandbox: SandboxInfo, config: ContainerConfig, sandboxConfig: PodSandboxConfig): Promise<string>;
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
  /** Has the runtime reopen a container's log file after the agent rotated it; absent where no logs are written. */
  reopenContainerLog?(containerId: string): Promise<void>;
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
