/** Reading manifests: files, directories (non-recursive, .yaml/.yml/.json, like kubectl), stdin; multi-document YAML; `List` kinds. */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import YAML from "yaml";

export interface Manifest {
  source: string;
  object: Record<string, any>;
}

export function readManifests(paths: string[], stdin: () => string = () => readFileSync(0, "utf8")): Manifest[] {
  const out: Manifest[] = [];
  for (const p of paths) {
    if (p === "-") {
      out.push(...parse(stdin(), "STDIN"));
      continue;
    }
    let st;
    try {
      st = statSync(p);
    } catch {
      throw new Error(`the path "${p}" does not exist`);
    }
    if (st.isDirectory()) {
      for (const f of readdirSync(p).sort()) {
        if (/\.(ya?ml|json)$/.test(f)) out.push(...parse(readFileSync(join(p, f), "utf8"), join(p, f)));
      }
    } else out.push(...parse(readFileSync(p, "utf8"), p));
  }
  return out;
}

export function parse(text: string, source: string): Manifest[] {
  const out: Manifest[] = [];
  for (const doc of YAML.parseAllDocuments(text)) {
    if (doc.errors.length) throw new Error(`error parsing ${source}: ${doc.errors[0]!.message}`);
    const obj = doc.toJS({ maxAliasCount: 100 });
    if (obj === null || obj === undefined) continue;
    if (typeof obj !== "object" || Array.isArray(obj)) throw new Error(`error parsing ${source}: a document must be an object`);
    if (!obj.apiVersion || !obj.kind) throw new Error(`error validating "${source}": error validating data: invalid object to validate: apiVersion or kind not set`);
    if (/List$/.test(obj.kind) && Array.isArray(obj.items)) for (const item of obj.items) out.push({ source, object: item });
    else out.push({ source, object: obj });
  }
  return out;
}
