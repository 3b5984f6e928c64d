/** Builders for volume tests: `pv("v1", "5Gi")`, `pvc("data", "1Gi")`, then spread overrides. */
import type { KubeObject } from "../../src/model/object.ts";

export function pv(name: string, size: string, extra: { spec?: any; status?: any; metadata?: any } = {}): KubeObject {
  return {
    apiVersion: "v1", kind: "PersistentVolume",
    metadata: { name, ...extra.metadata },
    spec: { capacity: { storage: size }, accessModes: ["ReadWriteOnce"], persistentVolumeReclaimPolicy: "Retain", volumeMode: "Filesystem", hostPath: { path: `/data/${name}` }, ...extra.spec },
    status: { phase: "Available", ...extra.status },
  };
}

export function pvc(name: string, size: string, extra: { spec?: any; status?: any; metadata?: any } = {}): KubeObject {
  return {
    apiVersion: "v1", kind: "PersistentVolumeClaim",
    metadata: { name, namespace: "default", uid: `uid-${name}`, ...extra.metadata },
    spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: size } }, volumeMode: "Filesystem", storageClassName: "", ...extra.spec },
    status: { phase: "Pending", ...extra.status },
  };
}

export function node(name: string, labels: Record<string, string> = {}): KubeObject {
  return { apiVersion: "v1", kind: "Node", metadata: { name, labels: { "kubernetes.io/hostname": name, ...labels } } };
}

export const onNode = (name: string) => ({ required: { nodeSelectorTerms: [{ matchExpressions: [{ key: "kubernetes.io/hostname", operator: "In", values: [name] }] }] } });
