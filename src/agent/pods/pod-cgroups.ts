/**
 * The pod's cgroup, grouped by QoS class as the kubelet does (`/k3rs/pod<uid>` for
 * Guaranteed, `/k3rs/burstable/pod<uid>`, `/k3rs/besteffort/pod<uid>`), so the runtime can
 * account for the whole pod and the agent can remove it afterwards.
 */
import { existsSync, readdirSync, rmdirSync } from "node:fs";
import { join } from "node:path";
import type { KubeObject } from "../../model/object.ts";
import { podQosClass } from "../../model/qos.ts";

export const DEFAULT_CGROUP_ROOT = "/k3rs";

export function podCgroupParent(pod: KubeObject, root = DEFAULT_CGROUP_ROOT): string {
  const qos = pod.status?.qosClass ?? podQosClass(pod.spec);
  const tier = qos === "Guaranteed" ? "" : `/${qos.toLowerCase()}`;
  return `${root}${tier}/pod${pod.metadata.uid}`;
}

/**
 * The runtime never removes a pod's parent cgroup (only its containers'); once the pod is gone
 * its empty directory is removed in every hierarchy (cgroup v1 controllers, the unified one).
 */
export function removePodCgroups(uid: string, root = DEFAULT_CGROUP_ROOT, cgroupFs = "/sys/fs/cgroup"): void {
  if (!existsSync(cgroupFs)) return;
  const hierarchies = [cgroupFs, ...readdirSync(cgroupFs).map((d) => join(cgroupFs, d))];
  for (const h of hierarchies) {
    for (const tier of ["", "/burstable", "/besteffort"]) {
      const dir = join(h, `${root}${tier}/pod${uid}`);
      try {
        if (existsSync(dir)) rmdirSync(dir);
      } catch {
        // Still has processes or children: the next release (or a reboot) takes it.
      }
    }
  }
}
