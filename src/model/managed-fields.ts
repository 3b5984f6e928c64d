/**
 * Objects, and their JSON text, without metadata.managedFields. The server's own readers
 * (informers, watch routing, watch filters, Table rows) never read them, and on a pod written
 * by a controller and a kubelet they are most of its text (3.7 of 4.5 KB in the pod measured).
 * Parsing the text without them is cheaper than parsing it whole, and leaves none of their
 * objects behind as garbage between the objects a cache keeps, which otherwise holds
 * part-empty heap blocks: a server holding 10,000 pods written by two managers settled at
 * 444 MiB RSS instead of 470 (bench/lists' load, three alternating runs each).
 */
import type { KubeObject } from "./object.ts";
import { memberAt, valueEnd } from "../lib/json-text.ts";

const COMMA = 44;
const CLOSE_BRACE = 125;

/** Index of the first character from `i` on, walking by `step`, that is not JSON's whitespace. */
function nonSpace(s: string, i: number, step: 1 | -1): number {
  for (let c = s.charCodeAt(i); c === 32 || c === 10 || c === 13 || c === 9; c = s.charCodeAt(i)) i += step;
  return i;
}

/**
 * Where an object's text holds metadata.managedFields: the span that cutting them out removes
 * (one comma with them), packed as start × 2^26 + length. NO_MANAGED_FIELDS: no span to cut
 * (none there, or text past what a span packs: 2^26 characters, where the API refuses objects
 * over 1.5 MiB); parseWithoutManagedFields then drops them after the parse. SPAN_UNKNOWN: not
 * known yet (managedFieldsSpan finds it, by a scan). The text a store writes with
 * stringifyManagedFieldsLast comes with its span, so the cut costs no scan: a scan of a pod's
 * managedFields in JavaScript took longer than JSON.parse took for the rest of the pod.
 */
export type ManagedFieldsSpan = number;
export const NO_MANAGED_FIELDS: ManagedFieldsSpan = 0;
export const SPAN_UNKNOWN: ManagedFieldsSpan = -1;
const SPAN_UNIT = 2 ** 26;

const span = (start: number, length: number): ManagedFieldsSpan => (start < SPAN_UNIT && length < SPAN_UNIT ? start * SPAN_UNIT + length : NO_MANAGED_FIELDS);

/**
 * JSON.stringify(object), with metadata.managedFields moved to the end of metadata (where
 * Kubernetes writes them), and where they are in it.
 */
export function stringifyManagedFieldsLast(object: KubeObject): { text: string; span: ManagedFieldsSpan } {
  const meta: unknown = object.metadata;
  const fields = meta !== null && typeof meta === "object" && !Array.isArray(meta) ? (meta as Record<string, unknown>).managedFields : undefined;
  const fieldsText = fields === undefined ? undefined : JSON.stringify(fields);
  if (fieldsText === undefined) {
    const text = JSON.stringify(object);
    return { text, span: NO_MANAGED_FIELDS };
  }
  const { managedFields: _moved, ...rest } = meta as Record<string, unknown>;
  const restText = JSON.stringify(rest);
  // The members before metadata and after it, in their order, as JSON.stringify writes them.
  let before = "{";
  let after = "";
  let past = false;
  for (const key of Object.keys(object)) {
    if (key === "metadata") {
      past = true;
      continue;
    }
    const valueText = JSON.stringify((object as Record<string, unknown>)[key]);
    if (valueText === undefined) continue;
    const member = `${JSON.stringify(key)}:${valueText}`;
    if (past) after += `,${member}`;
    else before += `${member},`;
  }
  const open = `${before}"metadata":${restText.slice(0, -1)}`;
  const comma = restText.length > 2 ? "," : "";
  const cut = `${comma}"managedFields":${fieldsText}`;
  return { text: `${open}${cut}}${after}}`, span: span(open.length, cut.length) };
}

/**
 * The span of the text's metadata.managedFields, by a scan (lib/json-text.ts). Text the scan
 * cannot read gets NO_MANAGED_FIELDS too: it is then parsed whole (parseWithoutManagedFields).
 */
export function managedFieldsSpan(json: string): ManagedFieldsSpan {
  if (!json.includes('"managedFields"')) return NO_MANAGED_FIELDS;
  const metadata = memberAt(json, "metadata");
  const field = metadata && memberAt(json, "managedFields", metadata.value);
  if (!field) return NO_MANAGED_FIELDS;
  const end = valueEnd(json, field.value);
  // With one of its commas: the one after it, or before it when it is the last member.
  const after = nonSpace(json, end, 1);
  if (json.charCodeAt(after) === COMMA) return span(field.key, after + 1 - field.key);
  const before = nonSpace(json, field.key - 1, -1);
  if (json.charCodeAt(before) === COMMA) return span(before, end - before);
  return span(field.key, end - field.key);
}

/**
 * The text of the object's metadata (as lib/json-text.ts's memberText gives it). With the span
 * known and managedFields last in metadata, as stringifyManagedFieldsLast writes them, metadata
 * ends where they do: they are not scanned (a Table of 10,000 Pods copies every row's metadata).
 */
export function metadataText(json: string, known: ManagedFieldsSpan = SPAN_UNKNOWN): string | undefined {
  const metadata = memberAt(json, "metadata");
  if (!metadata) return undefined;
  if (known > 0) {
    const end = Math.floor(known / SPAN_UNIT) + (known % SPAN_UNIT);
    if (json.charCodeAt(end) === CLOSE_BRACE && end > metadata.value) return json.slice(metadata.value, end + 1);
  }
  return json.slice(metadata.value, valueEnd(json, metadata.value));
}

/**
 * The object's text without metadata.managedFields, or the text itself when there is no span
 * to cut (see ManagedFieldsSpan). For JSON text of an object, as the store holds it (text that
 * is not valid JSON stays so).
 */
export function withoutManagedFieldsText(json: string, known: ManagedFieldsSpan = SPAN_UNKNOWN): string {
  const at = known === SPAN_UNKNOWN ? managedFieldsSpan(json) : known;
  if (at <= 0) return json;
  const start = Math.floor(at / SPAN_UNIT);
  return json.slice(0, start) + json.slice(start + (at % SPAN_UNIT));
}

/**
 * The object the text holds, without metadata.managedFields: parsed from the cut text, or,
 * when the text could not be cut, parsed whole and then shallow-copied without them.
 */
export function parseWithoutManagedFields<T extends KubeObject>(json: string, known: ManagedFieldsSpan = SPAN_UNKNOWN): T {
  return withoutManagedFields(JSON.parse(withoutManagedFieldsText(json, known)));
}

/**
 * The object without metadata.managedFields, as kube-controller-manager's and the scheduler's
 * informers keep them: no controller reads them, and on a pod written by two managers they are
 * two thirds of its parsed objects. A shallow copy: the event's object may be shared with other
 * listeners (the store parses each commit once for all of them), so it is never changed.
 */
export function withoutManagedFields<T extends KubeObject>(obj: T): T {
  const meta = obj?.metadata;
  if (!meta || meta.managedFields === undefined) return obj;
  const { managedFields: _dropped, ...rest } = meta;
  return { ...obj, metadata: rest };
}

/**
 * `desired` (made from a trimmed cache copy) carrying `stored`'s managedFields, for a write
 * that replaces a whole object outside the API's field manager: the owners recorded stay.
 */
export function withManagedFieldsOf<T extends KubeObject>(stored: KubeObject, desired: T): T {
  const managedFields = stored.metadata?.managedFields;
  if (managedFields === undefined || desired.metadata?.managedFields !== undefined) return desired;
  return { ...desired, metadata: { ...desired.metadata, managedFields } };
}
