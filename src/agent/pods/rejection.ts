/**
 * The kubelet's admission refusal (`rejectPod`), for a pod the agent cannot read (see
 * model/pod-shape.ts): phase Failed, a reason, and "Pod was rejected: …" as the message.
 */

/** The status reason of a pod refused because its stored object cannot be read. */
export const UNREADABLE_REASON = "UnreadablePodSpec";

export function rejectedStatus(message: string): { phase: "Failed"; reason: string; message: string } {
  return { phase: "Failed", reason: UNREADABLE_REASON, message: `Pod was rejected: ${message}` };
}
