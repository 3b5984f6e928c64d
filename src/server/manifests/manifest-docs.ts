/**
 * What one file of the manifests folder asks for: its YAML (or JSON) documents as objects.
 * A file that does not parse, or holds a document that is not an object with apiVersion,
 * kind and metadata.name, is unreadable as a whole: the deployer then leaves what it applied
 * from it alone, so a half-saved edit never deletes a workload.
 */
import YAML from "yaml";
import type { KubeObject } from "../../model/object.ts";

export type ParsedManifest = { ok: true; objects: KubeObject[] } | { ok: false; error: string };

/** File names the deployer reads, as K3s's deploy controller does. */
export const MANIFEST_SUFFIXES = [".yaml", ".yml", ".json"] as const;

/** `traefik.yaml` → `traefik`: the name `--disable` matches. */
export function manifestName(file: string): string {
  const suffix = MANIFEST_SUFFIXES.find((s) => file.endsWith(s));
  return suffix ? file.slice(0, -suffix.length) : file;
}

export function isManifestFile(file: string): boolean {
  return !file.startsWith(".") && MANIFEST_SUFFIXES.some((s) => file.endsWith(s));
}

/**
 * @example parseManifest("kind: ConfigMap\napiVersion: v1\nmetadata: {name: a}\n---\n") // { ok: true, objects: [ {kind: "ConfigMap", …} ] }
 */
export function parseManifest(text: string): ParsedManifest {
  const objects: KubeObject[] = [];
  let docs: YAML.Document.Parsed[];
  try {
    docs = YAML.parseAllDocuments(text) as YAML.Document.Parsed[];
  } catch (e) {
    return { ok: false, error: (e as Error).message };
  }
  if (!Array.isArray(docs)) return { ok: false, error: "not a YAML stream" };
  for (const [i, doc] of docs.entries()) {
    if (doc.errors.length) return { ok: false, error: `document ${i + 1}: ${doc.errors[0]!.message}` };
    let value: unknown;
    try {
      // A bounded alias count: a "billion laughs" file must not take the server down.
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (e) {
      return { ok: false, error: `document ${i + 1}: ${(e as Error).message}` };
    }
    if (value === null || value === undefined) continue;
    const items = isObject(value) && value.kind === "List" && Array.isArray(value.items) ? value.items : [value];
    for (const item of items) {
      const problem = shapeProblem(item);
      if (problem) return { ok: false, error: `document ${i + 1}: ${problem}` };
      objects.push(item as KubeObject);
    }
  }
  return { ok: true, objects };
}

function shapeProblem(v: unknown): string | undefined {
  if (!isObject(v)) return "not an object";
  if (typeof v.apiVersion !== "string" || !v.apiVersion) return "apiVersion is missing";
  if (typeof v.kind !== "string" || !v.kind) return "kind is missing";
  if (!isObject(v.metadata) || typeof v.metadata.name !== "string" || !v.metadata.name) return `${v.kind}: metadata.name is missing`;
  return undefined;
}

function isObject(v: unknown): v is Record<string, any> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}
