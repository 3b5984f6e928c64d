/**
 * A controller's object it cannot read. An object stored before write validation (or by an
 * older version, or restored from a backup) can hold `selector: {matchLabels: 5}` or
 * `template: "garbage"`; acting on it would create ReplicaSets or pods from garbage, or
 * throw halfway through. Reconciling such an object fails with this error — the key is
 * retried with back-off, and every other key goes on — until the object is fixed or deleted.
 */
import type { KubeObject } from "../../model/object.ts";
import { shapeProblemText, specProblems } from "../../api/openapi/stored-shape.ts";

export class UnreadableObjectError extends Error {
  constructor(obj: KubeObject, problems: string[]) {
    const m = obj.metadata;
    super(`${obj.kind} ${m?.namespace ? `${m.namespace}/` : ""}${m?.name} cannot be read: ${problems.join(", ")}`);
    this.name = "UnreadableObjectError";
  }
}

/** Throws UnreadableObjectError when the object's metadata or spec has fields of the wrong type. */
export function assertReadable(obj: KubeObject): void {
  const problems = specProblems(obj, 3);
  if (problems.length) throw new UnreadableObjectError(obj, problems.map(shapeProblemText));
}
