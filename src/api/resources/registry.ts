/** Lookup of served resources by path segments, by kind, and by short name. */
import type { ResourceDef } from "./types.ts";
import { builtinResources } from "./builtin.ts";

export class ResourceRegistry {
  private byPath = new Map<string, ResourceDef>();
  private byKind = new Map<string, ResourceDef>();
  private builtin: ResourceDef[];
  private custom: ResourceDef[] = [];
  private listeners = new Set<() => void>();
  /** Built-in first, then custom resources in the order they were served; replaced (never mutated) on change. */
  all: ResourceDef[];

  constructor(builtin: ResourceDef[] = builtinResources) {
    this.builtin = builtin;
    this.all = builtin;
    this.index();
  }

  /**
   * Serves `defs` (one CustomResourceDefinition's versions) in place of what `owner` served
   * before; [] stops serving it. A built-in resource is never replaced.
   */
  setCustom(owner: string, defs: ResourceDef[]): void {
    const builtinPaths = new Set(this.builtin.map((d) => `${d.group}/${d.version}/${d.plural}`));
    const mine = defs.filter((d) => !builtinPaths.has(`${d.group}/${d.version}/${d.plural}`));
    this.custom = [...this.custom.filter((d) => ownerOf(d) !== owner), ...mine.map((d) => ({ ...d, [OWNER]: owner }))];
    this.all = [...this.builtin, ...this.custom];
    this.index();
    for (const l of this.listeners) l();
  }

  /** Calls `listener` after every change to what is served (custom resources come and go); returns the unsubscribe. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private index(): void {
    this.byPath.clear();
    this.byKind.clear();
    for (const def of this.all) {
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
  const group = def.storageGroup ?? def.group;
  return group ? `${def.plural}.${group}` : def.plural;
}

const OWNER = Symbol("owner");
const ownerOf = (def: ResourceDef): string | undefined => (def as { [OWNER]?: string })[OWNER];
