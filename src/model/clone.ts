/**
 * A deep copy of JSON-shaped data (API objects, their parts, schemas): plain objects, arrays
 * and primitives. structuredClone copies the same data 10–15× slower in JavaScriptCore (a
 * realistic Pod: 44 µs against 3 µs; a 1 KB ConfigMap: 4.8 against 0.3), and the write path
 * copies each object several times. Keys whose value is undefined are kept, as
 * structuredClone keeps them.
 */
export function cloneObject<T>(value: T): T {
  return copy(value) as T;
}

function copy(v: unknown): unknown {
  if (typeof v !== "object" || v === null) return v;
  if (Array.isArray(v)) {
    const out = new Array(v.length);
    for (let i = 0; i < v.length; i++) out[i] = copy(v[i]);
    return out;
  }
  const out: Record<string, unknown> = {};
  for (const k in v) out[k] = copy((v as Record<string, unknown>)[k]);
  return out;
}
