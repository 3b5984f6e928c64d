/** Nodes: `NAME STATUS ROLES AGE VERSION` + wide `INTERNAL-IP EXTERNAL-IP OS-IMAGE KERNEL-VERSION CONTAINER-RUNTIME`. */
import type { KubeObject } from "../../model/object.ts";
import type { Printer } from "./types.ts";
import { ageColumn, col, nameColumn, wide } from "./columns.ts";
import { since } from "./human-duration.ts";

const ROLE_PREFIX = "node-role.kubernetes.io/";
const ROLE_LABEL = "kubernetes.io/role";

/** Roles from `node-role.kubernetes.io/<role>` keys and the `kubernetes.io/role` value, sorted and distinct. */
export function nodeRoles(node: KubeObject): string[] {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(node.metadata.labels ?? {})) {
    if (k.startsWith(ROLE_PREFIX)) {
      const role = k.slice(ROLE_PREFIX.length);
      if (role) roles.add(role);
    } else if (k === ROLE_LABEL && v !== "") roles.add(v);
  }
  return [...roles].sort();
}

function nodeStatus(node: KubeObject): string {
  const status: string[] = [];
  const ready = (node.status?.conditions ?? []).filter((c: { type: string }) => c.type === "Ready").at(-1);
  if (ready) status.push(ready.status === "True" ? "Ready" : "NotReady");
  else status.push("Unknown");
  if (node.spec?.unschedulable) status.push("SchedulingDisabled");
  return status.join(",");
}

function address(node: KubeObject, type: string): string {
  return (node.status?.addresses ?? []).find((a: { type: string }) => a.type === type)?.address ?? "<none>";
}

export const nodePrinter: Printer = {
  columns: [
    nameColumn,
    col("Status", "The status of the node"),
    col("Roles", "The roles of the node"),
    ageColumn,
    col("Version", "Deprecated: kubelet version reported by the node."),
    wide("Internal-IP", "List of addresses reachable to the node."),
    wide("External-IP", "List of addresses reachable to the node."),
    wide("OS-Image", "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy))."),
    wide("Kernel-Version", "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64)."),
    wide("Container-Runtime", "ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2)."),
  ],
  cells(node, now) {
    const info = node.status?.nodeInfo ?? {};
    const roles = nodeRoles(node).join(",");
    return [
      node.metadata.name ?? "",
      nodeStatus(node),
      roles || "<none>",
      since(node.metadata.creationTimestamp, now),
      info.kubeletVersion ?? "",
      address(node, "InternalIP"),
      address(node, "ExternalIP"),
      info.osImage || "<unknown>",
      info.kernelVersion || "<unknown>",
      info.containerRuntimeVersion || "<unknown>",
    ];
  },
};
