/**
 * kubectl's object printers (`-o json|yaml|name|jsonpath=…|custom-columns=…` and their file
 * forms). JSON and YAML come out as kubectl writes unstructured objects: map keys sorted (Go
 * marshals maps that way), JSON indented by four, YAML with lists not indented under their key.
 */
import { readFileSync } from "node:fs";
import YAML from "yaml";
import { parseCustomColumns, parseCustomColumnsFile, renderCustomColumns } from "./custom-columns.ts";
import { JsonPath } from "./jsonpath.ts";

export interface ObjectPrinter {
  /** `doc` is the object or the List; `items` the objects in it, for row-wise printers. */
  print(doc: any, items: any[]): string;
}

export const ALLOWED_FORMATS = "custom-columns,custom-columns-file,go-template,go-template-file,json,jsonpath,jsonpath-as-json,jsonpath-file,name,template,templatefile,wide,yaml";

/**
 * The printer for `-o format`, or undefined for the table formats ("" and wide). As kubectl's
 * OmitManagedFieldsPrinter, objects are printed without `metadata.managedFields` unless
 * `showManagedFields` (`--show-managed-fields`).
 */
export function objectPrinter(format: string, o: { noHeaders?: boolean; showManagedFields?: boolean } = {}): ObjectPrinter | undefined {
  const inner = innerPrinter(format, o);
  if (!inner || o.showManagedFields) return inner;
  return { print: (doc, items) => (Array.isArray(doc?.items) ? inner.print({ ...doc, items: items.map(withoutManagedFields) }, items.map(withoutManagedFields)) : inner.print(withoutManagedFields(doc), items.map(withoutManagedFields))) };
}

function withoutManagedFields(obj: any): any {
  if (!obj?.metadata?.managedFields) return obj;
  const { managedFields: _, ...metadata } = obj.metadata;
  return { ...obj, metadata };
}

function innerPrinter(format: string, o: { noHeaders?: boolean }): ObjectPrinter | undefined {
  const eq = format.indexOf("=");
  const kind = eq < 0 ? format : format.slice(0, eq);
  const arg = eq < 0 ? "" : format.slice(eq + 1);
  switch (kind) {
    case "":
    case "wide":
      return undefined;
    case "json":
      return { print: (doc) => goIndentJson(doc) + "\n" };
    case "yaml":
      return { print: (doc) => toYaml(doc) };
    case "name":
      return { print: (_doc, items) => items.map((i) => `${nameOf(i)}\n`).join("") };
    case "jsonpath":
    case "jsonpath-file": {
      const tmpl = kind === "jsonpath" ? arg : readFileSync(arg, "utf8");
      if (!tmpl) throw new Error("template format specified but no template given");
      const jp = new JsonPath(tmpl, { allowMissingKeys: true });
      return { print: (doc) => jp.execute(doc) };
    }
    case "custom-columns":
    case "custom-columns-file": {
      const cols = kind === "custom-columns" ? parseCustomColumns(arg) : parseCustomColumnsFile(readFileSync(arg, "utf8"));
      return { print: (_doc, items) => renderCustomColumns(cols, items, o) };
    }
    default:
      throw new Error(`unable to match a printer suitable for the output format "${format}", allowed formats are: ${ALLOWED_FORMATS}`);
  }
}

/** `deployment.apps/web`: the kind lower-cased with its group, as kubectl's name printer writes it. */
export function nameOf(obj: any): string {
  const av = String(obj.apiVersion ?? "");
  const group = av.includes("/") ? av.slice(0, av.indexOf("/")) : "";
  return `${String(obj.kind ?? "").toLowerCase()}${group ? `.${group}` : ""}/${obj.metadata?.name ?? ""}`;
}

/** A value with every map's keys sorted, as Go marshals a map. */
export function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === "object") return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as any)[k])]));
  return v;
}

/** json.MarshalIndent(v, "", "    "): sorted keys, `<>&` escaped. */
export function goIndentJson(v: unknown): string {
  return JSON.stringify(sortKeys(v), null, 4).replace(/[<>&]/g, (c) => `\\u00${c.charCodeAt(0).toString(16)}`);
}

/**
 * YAML as sigs.k8s.io/yaml (go-yaml) writes it: YAML 1.1, so a string that would read back as
 * something else (`"yes"`, `"1"`, a timestamp, `""`) is double-quoted, and one that needs
 * quoting only for its syntax (`'a: b'`) is single-quoted.
 */
export function toYaml(v: unknown): string {
  const doc = new YAML.Document(sortKeys(v), { schema: "yaml-1.1" });
  YAML.visit(doc, {
    Scalar(_key, node) {
      if (typeof node.value === "string" && (node.value === "" || readsAsOther(node.value))) node.type = "QUOTE_DOUBLE";
    },
  });
  return doc.toString({ indentSeq: false, lineWidth: 0, singleQuote: true });
}

function readsAsOther(s: string): boolean {
  try {
    // A map or list is quoting for syntax's sake; a bool, number, null or timestamp is a type go-yaml guards.
    const v = YAML.parse(s, { schema: "yaml-1.1" });
    return v === null || (typeof v !== "string" && typeof v !== "object") || v instanceof Date;
  } catch {
    return false;
  }
}
