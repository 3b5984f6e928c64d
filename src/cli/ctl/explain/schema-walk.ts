/**
 * Reading an OpenAPI v3 group-version document the way kubectl explain's template does:
 * Go template truthiness, `$ref` resolution inside the document, the type hint printed in
 * `<…>`, a schema's description gathered through allOf/items/additionalProperties, enums.
 */
export type Schema = Record<string, any>;
export type Doc = Record<string, any>;

/** Go templates' `if`: empty maps, lists and strings, zero, false and nil are false. */
export function truthy(v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === "") return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === "object") return Object.keys(v).length > 0;
  return true;
}

/** `#/components/schemas/X` inside the document; a ref elsewhere (or malformed) is unresolved. */
export function resolveRef(ref: unknown, doc: Doc): Schema | undefined {
  if (typeof ref !== "string" || !ref.startsWith("#")) return undefined;
  let cur: any = doc;
  for (const raw of ref.slice(1).split("/")) {
    if (!raw) continue;
    const key = decodeURIComponent(raw).replaceAll("~1", "/").replaceAll("~0", "~");
    const next = cur?.[key];
    if (!next || typeof next !== "object" || Array.isArray(next)) return undefined;
    cur = next;
  }
  return cur;
}

/** The schema a possibly-`$ref` schema stands for. */
export function resolved(schema: Schema, doc: Doc): Schema {
  return resolveRef(schema.$ref, doc) ?? schema;
}

/** additionalProperties that is a schema (not `true`/`false`) and has something in it. */
export function mapValues(schema: Schema): Schema | undefined {
  const ap = schema.additionalProperties;
  return typeof ap === "object" && truthy(ap) ? ap : undefined;
}

/** `string`, `[]Container`, `map[string]string`, `ObjectMeta`, `Object`. */
export function typeGuess(schema: Schema, doc: Doc): string {
  if (truthy(schema.items)) return `[]${typeGuess(schema.items, doc)}`;
  const values = mapValues(schema);
  if (values) return `map[string]${typeGuess(values, doc)}`;
  if (truthy(schema.allOf) && !truthy(schema.properties) && schema.allOf.length === 1) return typeGuess(schema.allOf[0], doc);
  if (truthy(schema.$ref)) {
    const target = resolveRef(schema.$ref, doc);
    // A ref to a primitive (IntOrString is a string with a format) prints the primitive.
    if (!target || !truthy(target.type) || target.type === "object") {
      const name = String(schema.$ref).split("/").at(-1)!;
      return name.split(".").at(-1) || "Object";
    }
    return String(target.type);
  }
  if (schema.type === "object") return "Object";
  return truthy(schema.type) ? String(schema.type) : "Object";
}

/** Each description on the way down, one per line: a field's own, then its type's. */
export function description(schema: Schema, doc: Doc): string {
  const s = resolveRef(schema.$ref, doc) ?? schema;
  if (!truthy(s)) return "";
  let out = truthy(s.description) ? `${s.description}\n` : "";
  for (const sub of Array.isArray(s.allOf) ? s.allOf : []) out += description(sub, doc);
  if (truthy(s.items)) out += description(s.items, doc);
  const values = mapValues(s);
  if (values) out += description(values, doc);
  return out;
}

/** Go's default formatting of a JSON enum value, with the empty string shown as `""`. */
function enumValue(v: unknown): string {
  if (v === "") return '""';
  if (v === null || v === undefined) return "<nil>";
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

/** In a field list: `\n<indent>enum: a, b, c, d, ....` (at most four); under FIELD: one per line. */
export function enumLine(schema: Schema, o: { long: boolean; indent?: number }): string {
  if (!Array.isArray(schema.enum) || schema.enum.length === 0) return "";
  if (o.long) return `ENUM:${schema.enum.map((v: unknown) => `\n    ${enumValue(v)}`).join("")}`;
  const shown = schema.enum.slice(0, 4).map(enumValue).join(", ");
  return `\n${" ".repeat(o.indent ?? 0)}enum: ${shown}${schema.enum.length > 4 ? ", ...." : ""}`;
}

/** A template's `indent`: the pad before the text and after each of its newlines. */
export function indent(n: number, text: string): string {
  const pad = " ".repeat(n);
  return pad + text.replaceAll("\n", `\n${pad}`);
}
