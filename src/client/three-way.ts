/**
 * kubectl apply's three-way merge (client side: `k3rs ctl apply`, and the server applying
 * the manifests folder, both use it), in JSON merge patch form: fields the manifest sets that
 * differ from the live object are sent; fields the previous manifest (the last-applied
 * annotation) had and this one dropped are deleted (null); fields others set are left alone.
 * Lists are replaced whole — a merge patch cannot address list elements — which is exact for
 * the lists the manifest owns and loses only list elements added by someone else. A list is
 * sent when the live one does not already hold it (fields the server defaulted inside
 * elements do not count as a difference), or when the manifest's list differs from the last
 * applied one — a field dropped from a list element shows only there, since the live element
 * still "holds" the shorter one.
 */
type Json = Record<string, any>;

/**
 * The annotation kubectl keeps the applied manifest in; sharing it lets kubectl, `k3rs ctl
 * apply` and the server's auto-deployed manifests take turns on the same objects.
 */
export const LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";

const isObj = (v: unknown): v is Json => v !== null && typeof v === "object" && !Array.isArray(v);

export function threeWayMergePatch(original: Json | undefined, modified: Json, current: Json | undefined): Json {
  const patch: Json = {};
  for (const [k, m] of Object.entries(modified)) {
    const c = current?.[k];
    if (isObj(m) && isObj(c)) {
      const sub = threeWayMergePatch(isObj(original?.[k]) ? original![k] : undefined, m, c);
      if (Object.keys(sub).length) patch[k] = sub;
    } else if (!holds(c, m) || listEdited(original?.[k], m)) patch[k] = m;
  }
  for (const k of Object.keys(original ?? {})) {
    if (!(k in modified) && current && k in current) patch[k] = null;
  }
  return patch;
}

/** Whether `live` already says everything `wanted` says (extra fields in live objects are fine). */
export function holds(live: unknown, wanted: unknown): boolean {
  if (isObj(wanted)) return isObj(live) && Object.entries(wanted).every(([k, v]) => holds(live[k], v));
  if (Array.isArray(wanted)) return Array.isArray(live) && live.length === wanted.length && wanted.every((w, i) => holds(live[i], w));
  return Bun.deepEquals(live, wanted);
}

function listEdited(previous: unknown, wanted: unknown): boolean {
  return Array.isArray(wanted) && previous !== undefined && !Bun.deepEquals(previous, wanted);
}
