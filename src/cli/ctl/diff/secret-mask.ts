/**
 * kubectl diff never shows a Secret's values: each `data` value becomes `***`, and a key whose
 * value changes becomes `*** (before)` / `*** (after)` so that the change still shows.
 */
const MASK = "***";

export function maskSecretData(live: any, merged: any): { live: any; merged: any } {
  const from: Record<string, unknown> = { ...(live?.data ?? {}) };
  const to: Record<string, unknown> = { ...(merged?.data ?? {}) };
  for (const k of Object.keys(from)) {
    if (k in to && from[k] !== to[k]) {
      from[k] = `${MASK} (before)`;
      to[k] = `${MASK} (after)`;
    } else {
      from[k] = MASK;
      if (k in to) to[k] = MASK;
    }
  }
  for (const k of Object.keys(to)) if (!(k in from)) to[k] = MASK;
  const withData = (obj: any, data: Record<string, unknown>) => (obj && obj.data ? { ...obj, data } : obj);
  return { live: withData(live, from), merged: withData(merged, to) };
}
