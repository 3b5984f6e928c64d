/**
 * The Node this agent registers and the status it reports — pure builders, so labels,
 * capacity and condition rules are checked in tables.
 */
import type { KubeObject } from "../../model/object.ts";
import { kubernetesVersion } from "../../version.ts";
import { parseQuantity } from "../../model/quantity.ts";
import { pressureConditions, type Pressure } from "./pressure.ts";
import type { ContainerImage } from "./node-images.ts";
import { ANN_LOCAL_STORAGE_PATH } from "../../volume-binding/annotations.ts";
import { nowTimestamp } from "../../model/object.ts";

export interface NodeFacts {
  name: string;
  hostname: string;
  internalIP: string;
  /** `--node-external-ip`: listed as ExternalIP after the InternalIP, as the kubelet orders them. */
  externalIPs?: string[];
  /** Servers get the control-plane role labels, as K3s sets them. */
  isServer: boolean;
  labels: Record<string, string>;
  taints: any[];
  capacity: { cpu: string; memory: string; pods: string; "ephemeral-storage"?: string };
  /** What is kept back from pods (kubelet's system/kube reserved + eviction threshold). */
  reserved?: { memory?: string; "ephemeral-storage"?: string };
  arch: string;
  os: string;
  kernelVersion: string;
  osImage: string;
  machineID: string;
  bootID: string;
  containerRuntimeVersion: string;
  /** Where this node keeps local-path volumes (`<data dir>/storage`), announced to the provisioner. */
  localStoragePath?: string;
}

export const KUBELET_PORT = 10250;

export function nodeLabels(f: NodeFacts): Record<string, string> {
  return {
    "beta.kubernetes.io/arch": f.arch,
    "beta.kubernetes.io/os": f.os,
    "kubernetes.io/arch": f.arch,
    "kubernetes.io/hostname": f.name,
    "kubernetes.io/os": f.os,
    "node.kubernetes.io/instance-type": "k3rs",
    ...(f.isServer ? { "node-role.kubernetes.io/control-plane": "true", "node-role.kubernetes.io/master": "true" } : {}),
    ...f.labels,
  };
}

export function nodeObject(f: NodeFacts): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name: f.name,
      labels: nodeLabels(f),
      annotations: {
        "node.alpha.kubernetes.io/ttl": "0",
        "k3rs.io/node-args": "[]",
        ...(f.localStoragePath ? { [ANN_LOCAL_STORAGE_PATH]: f.localStoragePath } : {}),
      },
    },
    spec: f.taints.length ? { taints: f.taints } : {},
  };
}

export interface Readiness {
  ready: boolean;
  /** Why not ready (the runtime is down, …). */
  message?: string;
}

/** What the agent observed on the node this round; absent parts are not reported (hollow nodes). */
export interface NodeObservations {
  /** From the runtime (CRI ListImages), already capped and ordered. */
  images?: ContainerImage[];
  /** From host readings against the eviction thresholds; no pressure when absent. */
  pressure?: Pressure;
}

export function nodeStatus(f: NodeFacts, r: Readiness, previous: any | undefined, now: Date, seen: NodeObservations = {}): any {
  const ts = nowTimestamp(now);
  const prev = new Map<string, any>((previous?.conditions ?? []).map((c: any) => [c.type, c]));
  const cond = (type: string, status: string, reason: string, message: string) => {
    const p = prev.get(type);
    return { type, status, lastHeartbeatTime: ts, lastTransitionTime: p?.status === status ? p.lastTransitionTime : ts, reason, message };
  };
  const v = kubernetesVersion().gitVersion;
  return {
    capacity: f.capacity,
    allocatable: allocatable(f),
    conditions: [
      ...pressureConditions(seen.pressure ?? { memory: false, disk: false, pid: false }).map((c) => cond(c.type, c.status, c.reason, c.message)),
      r.ready
        ? cond("Ready", "True", "KubeletReady", "kubelet is posting ready status")
        : cond("Ready", "False", "KubeletNotReady", r.message ?? "container runtime is not ready"),
    ],
    addresses: [
      { type: "InternalIP", address: f.internalIP },
      ...(f.externalIPs ?? []).map((address) => ({ type: "ExternalIP", address })),
      { type: "Hostname", address: f.hostname },
    ],
    daemonEndpoints: { kubeletEndpoint: { Port: KUBELET_PORT } },
    nodeInfo: {
      machineID: f.machineID,
      systemUUID: f.machineID,
      bootID: f.bootID,
      kernelVersion: f.kernelVersion,
      osImage: f.osImage,
      containerRuntimeVersion: f.containerRuntimeVersion,
      kubeletVersion: v,
      kubeProxyVersion: v,
      operatingSystem: f.os,
      architecture: f.arch,
    },
    ...(seen.images ? { images: seen.images } : {}),
  };
}

/** Capacity less what is reserved, per resource, never below zero (the kubelet's allocatable with no kube/system reservations). */
function allocatable(f: NodeFacts): Record<string, string> {
  const out: Record<string, string> = { ...f.capacity };
  for (const [name, held] of Object.entries(f.reserved ?? {})) {
    const cap = (f.capacity as Record<string, string | undefined>)[name];
    if (!cap || !held) continue;
    const left = parseQuantity(cap).sub(parseQuantity(held));
    out[name] = left.value() < 0n ? "0" : left.toString();
  }
  return out;
}

/** The status fields that matter for "did anything change" (heartbeat times excluded). */
export function statusFingerprint(status: any): string {
  const conds = (status.conditions ?? []).map((c: any) => [c.type, c.status, c.reason, c.message]);
  return JSON.stringify({ ...status, conditions: conds });
}
