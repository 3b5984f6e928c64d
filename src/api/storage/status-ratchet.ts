/**
 * A status write answers for the status, not for what was stored before it. An object
 * written before validation existed (or by an older version) may hold a spec or labels that
 * validation now refuses; its status subresource must still be writable — the agent marks
 * such a pod Failed, the scheduler tells why it cannot place it — because a status write
 * copies the spec from the stored object and cannot have made it worse. So on a status
 * write a cause outside `status` whose field holds exactly the stored value is dropped: the
 * same rule as Kubernetes' validation ratcheting (KEP-4008), limited to what a status write
 * cannot change. A field the write did change is validated as always.
 */
import type { KubeObject } from "../../model/object.ts";
import type { StatusCause } from "../../model/errors.ts";

type Segment = string | number;

/** `spec.containers[0].command` → ["spec","containers",0,"command"]; `metadata.labels[a.b/c]` keys too. undefined when not a path. */
export function parseFieldPath(field: string): Segment[] | undefined {
  const out: Segment[] = [];
  const re = /([^.[\]]+)|\[([^\]]*)\]|(\.)/y;
  let expectName = true; // at the start and after a dot
  while (re.lastIndex < field.length) {
    const m = re.exec(field);
    if (!m) return undefined;
    if (m[1] !== undefined) {
      if (!expectName) return undefined;
      out.push(m[1]);
    } else if (m[2] !== undefined) {
      if (expectName) return undefined;
      out.push(/^\d+$/.test(m[2]) ? Number(m[2]) : m[2]);
    } else if (expectName) {
      return undefined;
    }
    expectName = m[3] !== undefined;
  }
  return out.length > 0 && !expectName ? out : undefined;
}

const MISSING = Symbol("missing");

function valueAt(obj: unknown, path: Segment[]): unknown {
  let cur: unknown = obj;
  for (const seg of path) {
    if (cur === null || typeof cur !== "object") return MISSING;
    cur = (cur as Record<string | number, unknown>)[seg];
  }
  return cur;
}

/** The causes a status write answers for (see above). */
export function statusWriteCauses(causes: StatusCause[], next: KubeObject, old: KubeObject): StatusCause[] {
  return causes.filter((c) => {
    const path = c.field ? parseFieldPath(c.field) : undefined;
    if (!path || path[0] === "status") return true;
    return !Bun.deepEquals(valueAt(next, path), valueAt(old, path));
  });
}
