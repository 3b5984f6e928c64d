/**
 * The node's readiness from the CRI's status conditions, as the kubelet words it: each of
 * RuntimeReady / NetworkReady that is false gives `container runtime [network] not ready:
 * <reason>: <message>`. containerd's NetworkReady only says a CNI config is loaded; a pod network
 * the agent knows cannot work (`podNetworkProblem`: a bridge holding another range's gateway, a
 * failed setup) is reported the same way, as NetworkPluginNotReady, so the node is NotReady
 * rather than Ready with every sandbox failing.
 */
import type { Readiness } from "../node/node-object.ts";

export interface CriCondition {
  type?: string;
  status?: boolean;
  reason?: string;
  message?: string;
}

export function runtimeReadiness(conditions: CriCondition[], podNetworkProblem?: string): Readiness {
  const bad = conditions.filter((c) => (c.type === "RuntimeReady" || c.type === "NetworkReady") && !c.status);
  if (podNetworkProblem && !bad.some((c) => c.type === "NetworkReady")) bad.push({ type: "NetworkReady", reason: "NetworkPluginNotReady", message: podNetworkProblem });
  if (!bad.length) return { ready: true };
  return { ready: false, message: bad.map((c) => `container runtime ${c.type === "NetworkReady" ? "network " : ""}not ready: ${c.reason}: ${c.message}`).join("; ") };
}
