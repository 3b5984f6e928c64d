/**
 * A controller's object it cannot read. An object stored before write validation (or by an
 * older version, or restored from a backup) can hold `selector: {matchLabels: 5}` or
 * `template: "garbage"`; acting on it would create ReplicaSets or pods from garbage, or
 * throw halfway through. Reconciling such an object fails with this error — the key is
 * retried with back-off, and every other key goes on — until the object is fixed or deleted.
 */
import type { KubeObject } from "../../model/object.ts";
import { repairedSpecProblems, shapeProblemText } from "../../api/openapi/stored-shape.ts";

export class UnreadableObjectError extends Error {
  constructor(obj: KubeObject, problems: string[]) {
    const m = obj.metadata;
    super(`${obj.kind} ${m?.namespace ? `${m.namespace}/` : ""}${m?.name} cannot be read: ${problems.join(", ")}`);
    this.name = "UnreadableObjectError";
  }
}

/**
 * Throws UnreadableObjectError when the object's metadata or spec had fields of the wrong
 * type. For objects from a SharedInformer's cache, which records what it left out of them.
 */
export function assertReadable(obj: KubeObject): void {
  const problems = repairedSpecProblems(obj);
  if (problems) throw new UnreadableObjectError(obj, problems.slice(0, 3).map(shapeProblemText));
}

/** Whether an object from a SharedInformer's cache had wrong-typed metadata (labels, ownerReferences…). */
export function metadataUnreadable(obj: KubeObject): boolean {
  return !!repairedSpecProblems(obj)?.some((p) => p.path === "metadata" || p.path.startsWith("metadata."));
}
