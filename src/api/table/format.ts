/**
 * Cell formatting shared by the printers, matching apimachinery's string forms
 * (`labels.FormatLabels`, `metav1.FormatLabelSelector`, the printers' container layout).
 */

const isMap = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/** `a=1,b=2` with keys sorted; `<none>` when empty (or, stored before validation, not a map). */
export function formatLabels(labels: Record<string, string> | undefined | null): string {
  const keys = isMap(labels) ? Object.keys(labels).sort() : [];
  if (keys.length === 0) return "<none>";
  return keys.map((k) => `${k}=${labels![k]}`).join(",");
}

interface LabelSelectorRequirement {
  key: string;
  operator: string;
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

/**
 * A label selector as a selector string (`labels.Selector.String()`): requirements sorted by
 * key, `k=v`, `k in (a,b)`, `k notin (a,b)`, `k`, `!k`. Empty or absent selects everything and
 * prints as "". Returns undefined for an operator Kubernetes would reject.
 */
export function selectorString(sel: LabelSelector | undefined | null): string | undefined {
  if (!sel) return "";
  // Shapes stored before validation: a selector that cannot be read is an invalid one.
  if (!isMap(sel) || (sel.matchLabels != null && !isMap(sel.matchLabels)) || (sel.matchExpressions != null && !Array.isArray(sel.matchExpressions))) return undefined;
  const reqs: { key: string; text: string }[] = [];
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) reqs.push({ key: k, text: `${k}=${v}` });
  for (const e of sel.matchExpressions ?? []) {
    if (e === null || typeof e !== "object" || (e.values != null && !Array.isArray(e.values))) return undefined;
    const values = [...(e.values ?? [])].sort().join(",");
    switch (e.operator) {
      case "In":
        reqs.push({ key: e.key, text: `${e.key} in (${values})` });
        break;
      case "NotIn":
        reqs.push({ key: e.key, text: `${e.key} notin (${values})` });
        break;
      case "Exists":
        reqs.push({ key: e.key, text: e.key });
        break;
      case "DoesNotExist":
        reqs.push({ key: e.key, text: `!${e.key}` });
        break;
      default:
        return undefined;
    }
  }
  reqs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return reqs.map((r) => r.text).join(",");
}

/** `metav1.FormatLabelSelector`: like selectorString but `<none>` when empty, `<error>` when invalid. */
export function formatLabelSelector(sel: LabelSelector | undefined | null): string {
  const s = selectorString(sel);
  if (s === undefined) return "<error>";
  return s === "" ? "<none>" : s;
}

/** Container names and images, each comma-joined (the printers' `layoutContainerCells`). */
export function layoutContainers(containers: { name?: string; image?: string }[] | undefined): [string, string] {
  const list = containers ?? [];
  return [list.map((c) => c.name ?? "").join(","), list.map((c) => c.image ?? "").join(",")];
}

/** First `max` items joined by ",", then " + N more..." (the printers' list truncation). */
export function listWithMore(items: string[], max: number, total = items.length): string {
  const shown = items.slice(0, max).join(",");
  return total > max ? `${shown} + ${total - max} more...` : shown;
}

/** Go's `net.JoinHostPort`: brackets around IPv6 hosts. */
export function joinHostPort(host: string, port: number | string): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Go's `%d` of an optional int32 field that the API defaults to 0. */
export function int(v: unknown): number {
  return typeof v === "number" && Number.isFinite(v) ? Math.trunc(v) : 0;
}

export function count(v: unknown): number {
  if (Array.isArray(v)) return v.length;
  if (v && typeof v === "object") return Object.keys(v).length;
  return 0;
}
