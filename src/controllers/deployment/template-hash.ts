/**
 * pod-template-hash: names a Deployment's ReplicaSet after its pod template. As Kubernetes
 * does: FNV-1a (32 bit) over the template (and the collision count, when there was one), the
 * decimal digits encoded with the "safe" alphabet that never spells words.
 */
import { cloneObject } from "../../model/clone.ts";
import type { PodTemplateSpec } from "../../model/kinds.ts";

const SAFE = "bcdfghjklmnpqrstvwxz2456789";

function stable(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stable).join(",")}]`;
  if (v && typeof v === "object") {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o).sort().filter((k) => o[k] !== undefined).map((k) => `${JSON.stringify(k)}:${stable(o[k])}`).join(",")}}`;
  }
  return JSON.stringify(v);
}

export function fnv32a(text: string): number {
  let h = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export function safeEncode(s: string): string {
  return [...s].map((c) => SAFE[c.charCodeAt(0) % SAFE.length]).join("");
}

export function podTemplateHash(template: unknown, collisionCount?: number): string {
  const text = stable(template) + (collisionCount ? `#${collisionCount}` : "");
  return safeEncode(String(fnv32a(text)));
}

/** Templates equal once the pod-template-hash label is set aside (EqualIgnoreHash). */
export function templatesEqualIgnoringHash(a: PodTemplateSpec | undefined, b: PodTemplateSpec | undefined): boolean {
  const strip = (t: PodTemplateSpec | undefined) => {
    const c: PodTemplateSpec = cloneObject(t ?? {});
    if (c.metadata?.labels) {
      delete c.metadata.labels["pod-template-hash"];
      if (Object.keys(c.metadata.labels).length === 0) delete c.metadata.labels;
    }
    if (c.metadata && Object.keys(c.metadata).length === 0) delete c.metadata;
    return stable(c);
  };
  return strip(a) === strip(b);
}
