/** Lookup of served resources by path segments, by kind, and by short name. */
import type { ResourceDef } from "./types.ts";
import { builtinResources } from "./builtin.ts";

export class ResourceRegistry {
  private byPath = new Map<string, ResourceDef>();
  private byKind = new Map<string, ResourceDef>();

  constructor(readonly all: ResourceDef[] = builtinResources) {
    for (const def of all) {
      this.byPath.set(`${def.group}/${def.version}/${def.plural}`, def);
      this.byKind.set(`${def.group}/${def.version}/${def.kind}`, def);
    }
  }

  find(group: string, version: string, plural: string): ResourceDef | undefined {
    return this.byPath.get(`${group}/${version}/${plural}`);
  }

  forKind(group: string, version: string, kind: string): ResourceDef | undefined {
    return this.byKind.get(`${group}/${version}/${kind}`);
  }

  /** Group → versions served, in discovery order (core group excluded). */
  groups(): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const def of this.all) {
      if (def.group === "") continue;
      const versions = out.get(def.group) ?? [];
      if (!versions.includes(def.version)) versions.push(def.version);
      out.set(def.group, versions);
    }
    return out;
  }

  inGroupVersion(group: string, version: string): ResourceDef[] {
    return this.all.filter((d) => d.group === group && d.version === version);
  }
}

/** Store key segment for a resource: `pods`, `deployments.apps`. */
export function resourceKey(def: ResourceDef): string {
  return def.group ? `${def.plural}.${def.group}` : def.plural;
}
