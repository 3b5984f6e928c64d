/**
 * The agent's prepared sandbox and container configs in CRI terms (kubelet
 * `kuberuntime_sandbox.go`, `kuberuntime_container.go`): pure translations, so that the
 * sandbox config given again to CreateContainer is the same one the sandbox was made with.
 * Paths, env, mounts, hostname and cgroup come decided (pods/pod-preparer.ts); what is read
 * here from the pod spec is only what the CRI itself carries (ports, namespaces, security
 * context, resources). Field names are the camelCase ones the CRI client uses.
 */
import type { KubeObject } from "../../model/object.ts";
import { parseQuantity } from "../../model/quantity.ts";
import { podQosClass } from "../../model/qos.ts";
import type { ContainerConfig, PodSandboxConfig } from "../runtime/types.ts";

export const LABEL_POD_NAME = "io.kubernetes.pod.name";
export const LABEL_POD_NAMESPACE = "io.kubernetes.pod.namespace";
export const LABEL_POD_UID = "io.kubernetes.pod.uid";
export const LABEL_CONTAINER_NAME = "io.kubernetes.container.name";

const PROTOCOLS = new Set(["TCP", "UDP", "SCTP"]);

function namespaceOptions(pod: KubeObject): any {
  const spec = pod.spec ?? {};
  return {
    network: spec.hostNetwork ? "NODE" : "POD",
    pid: spec.hostPID ? "NODE" : spec.shareProcessNamespace ? "POD" : "CONTAINER",
    ipc: spec.hostIPC ? "NODE" : "POD",
  };
}

export function criSandboxConfig(c: PodSandboxConfig): any {
  const { pod, attempt } = c;
  const spec = pod.spec ?? {};
  const portMappings: any[] = [];
  for (const c of spec.containers ?? []) {
    for (const p of c.ports ?? []) {
      if (!p.hostPort) continue;
      const protocol = String(p.protocol ?? "TCP").toUpperCase();
      portMappings.push({ protocol: PROTOCOLS.has(protocol) ? protocol : "TCP", containerPort: p.containerPort, hostPort: p.hostPort, hostIp: p.hostIP ?? "" });
    }
  }
  const sc = spec.securityContext ?? {};
  return {
    metadata: { name: pod.metadata.name, uid: pod.metadata.uid, namespace: pod.metadata.namespace, attempt },
    // The kubelet names only pods with their own UTS namespace: a host-network pod shares the
    // node's, and runc refuses to set a hostname there ("unable to set hostname without a
    // private UTS namespace"), failing the sandbox.
    hostname: spec.hostNetwork ? "" : c.hostname,
    logDirectory: c.logDirectory,
    dnsConfig: c.dns,
    portMappings,
    labels: { ...(pod.metadata.labels ?? {}), [LABEL_POD_NAME]: pod.metadata.name, [LABEL_POD_NAMESPACE]: pod.metadata.namespace, [LABEL_POD_UID]: pod.metadata.uid },
    annotations: { ...(pod.metadata.annotations ?? {}) },
    linux: {
      cgroupParent: c.cgroupParent,
      securityContext: {
        namespaceOptions: namespaceOptions(pod),
        ...(sc.runAsUser != null ? { runAsUser: { value: sc.runAsUser } } : {}),
        ...(sc.runAsGroup != null ? { runAsGroup: { value: sc.runAsGroup } } : {}),
        supplementalGroups: sc.supplementalGroups ?? [],
      },
      sysctls: Object.fromEntries((sc.sysctls ?? []).map((s: any) => [s.name, String(s.value)])),
    },
  };
}

const CPU_PERIOD = 100_000;

/** CPU and memory limits for the container's cgroup, and its OOM score (kubelet's rules). */
export function linuxResources(pod: KubeObject, container: any, nodeMemoryBytes: number): any {
  const requests = container.resources?.requests ?? {};
  const limits = container.resources?.limits ?? {};
  const milli = (q: unknown) => (q == null ? undefined : Number(parseQuantity(q as string).milli()));
  const bytes = (q: unknown) => (q == null ? undefined : Number(parseQuantity(q as string).value()));
  const cpuRequest = milli(requests.cpu) ?? milli(limits.cpu);
  const cpuLimit = milli(limits.cpu);
  const memLimit = bytes(limits.memory);
  const memRequest = bytes(requests.memory) ?? memLimit ?? 0;
  const out: any = {
    // MilliCPUToShares: 1024 per CPU, at least 2.
    cpuShares: cpuRequest ? Math.max(2, Math.floor((cpuRequest * 1024) / 1000)) : 2,
    oomScoreAdj: oomScoreAdj(podQosClass(pod.spec), memRequest, nodeMemoryBytes),
  };
  if (cpuLimit) {
    out.cpuPeriod = CPU_PERIOD;
    out.cpuQuota = Math.max(1000, Math.floor((cpuLimit * CPU_PERIOD) / 1000));
  }
  if (memLimit) out.memoryLimitInBytes = memLimit;
  return out;
}

/** Guaranteed pods are killed last, BestEffort first, Burstable by their share of the node's memory. */
export function oomScoreAdj(qos: string, memoryRequestBytes: number, nodeMemoryBytes: number): number {
  if (qos === "Guaranteed") return -997;
  if (qos === "BestEffort") return 1000;
  const adj = 1000 - Math.floor((1000 * memoryRequestBytes) / Math.max(1, nodeMemoryBytes));
  return Math.min(999, Math.max(2, adj));
}

/** As in the pod spec (NET_ADMIN, ALL): containerd adds the CAP_ prefix and knows ALL. */
function capabilityName(c: string): string {
  const up = c.toUpperCase();
  return up.startsWith("CAP_") ? up.slice(4) : up;
}

export function criContainerConfig(sandbox: PodSandboxConfig, c: ContainerConfig, nodeMemoryBytes: number): any {
  const { pod } = sandbox;
  const { spec: container, attempt } = c;
  const podSc = pod.spec?.securityContext ?? {};
  const sc = container.securityContext ?? {};
  const runAsUser = sc.runAsUser ?? podSc.runAsUser;
  const runAsGroup = sc.runAsGroup ?? podSc.runAsGroup;
  return {
    metadata: { name: container.name, attempt },
    image: { image: container.image },
    command: c.command,
    args: c.args,
    workingDir: container.workingDir ?? "",
    envs: c.env.map((e) => ({ key: e.name, value: e.value })),
    mounts: c.mounts.map((m) => ({ containerPath: m.containerPath, hostPath: m.hostPath, readonly: m.readonly, propagation: m.propagation ?? "PROPAGATION_PRIVATE" })),
    labels: { [LABEL_CONTAINER_NAME]: container.name, [LABEL_POD_NAME]: pod.metadata.name, [LABEL_POD_NAMESPACE]: pod.metadata.namespace, [LABEL_POD_UID]: pod.metadata.uid },
    annotations: {
      "io.kubernetes.container.restartCount": String(attempt),
      "io.kubernetes.container.terminationMessagePath": container.terminationMessagePath ?? "/dev/termination-log",
    },
    logPath: c.logPath,
    stdin: !!container.stdin,
    stdinOnce: !!container.stdinOnce,
    tty: !!container.tty,
    linux: {
      resources: linuxResources(pod, container, nodeMemoryBytes),
      securityContext: {
        capabilities: {
          addCapabilities: (sc.capabilities?.add ?? []).map(capabilityName),
          dropCapabilities: (sc.capabilities?.drop ?? []).map(capabilityName),
        },
        privileged: !!sc.privileged,
        // An ephemeral container with a target sees that container's processes (kubectl debug --target).
        namespaceOptions: c.targetContainerId ? { ...namespaceOptions(pod), pid: "TARGET", targetId: c.targetContainerId } : namespaceOptions(pod),
        ...(runAsUser != null ? { runAsUser: { value: runAsUser } } : {}),
        ...(runAsGroup != null ? { runAsGroup: { value: runAsGroup } } : {}),
        readonlyRootfs: !!sc.readOnlyRootFilesystem,
        supplementalGroups: podSc.supplementalGroups ?? [],
        noNewPrivs: sc.allowPrivilegeEscalation === false,
      },
    },
  };
}
