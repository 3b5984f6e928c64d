/**
 * What users type (`po`, `pods`, `deploy`, `deployments.apps`, `Deployment`) and what manifests
 * say (apiVersion + kind), resolved to a served resource through the server's discovery.
 */
import type { RestClient } from "./rest-client.ts";

export interface ApiResource {
  group: string;
  version: string;
  plural: string;
  singular: string;
  kind: string;
  namespaced: boolean;
  shortNames: string[];
}

export class Discovery {
  private resources?: Promise<ApiResource[]>;

  constructor(private readonly client: RestClient) {}

  all(): Promise<ApiResource[]> {
    this.resources ??= this.load();
    return this.resources;
  }

  private async load(): Promise<ApiResource[]> {
    const lists: { group: string; version: string; list: any }[] = [];
    const core = await this.client.request("/api/v1");
    lists.push({ group: "", version: "v1", list: core });
    const groups = await this.client.request("/apis");
    await Promise.all(
      (groups.groups ?? []).map(async (g: any) => {
        const v = g.preferredVersion?.version ?? g.versions?.[0]?.version;
        lists.push({ group: g.name, version: v, list: await this.client.request(`/apis/${g.name}/${v}`) });
      }),
    );
    const out: ApiResource[] = [];
    for (const { group, version, list } of lists) {
      for (const r of list.resources ?? []) {
        if (String(r.name).includes("/")) continue;
        out.push({ group, version, plural: r.name, singular: r.singularName || r.kind.toLowerCase(), kind: r.kind, namespaced: r.namespaced, shortNames: r.shortNames ?? [] });
      }
    }
    return out;
  }

  /** `pods`, `pod`, `po`, `Pod`, `deployments.apps`, `deployment.v1.apps`. */
  async resolve(name: string): Promise<ApiResource> {
    const all = await this.all();
    const lower = name.toLowerCase();
    const [head, ...rest] = lower.split(".");
    const groupHint = rest.length ? rest.join(".") : undefined;
    const matches = all.filter((r) => {
      const names = [r.plural, r.singular, r.kind.toLowerCase(), ...r.shortNames];
      if (!names.includes(head!)) return false;
      if (groupHint === undefined) return true;
      return groupHint === r.group || groupHint === `${r.version}.${r.group}` || (r.group === "" && groupHint === r.version);
    });
    if (matches.length === 0) throw new Error(`the server doesn't have a resource type "${name}"`);
    // Core before others, as kubectl's priority does for ambiguous short names.
    return matches.sort((a, b) => (a.group === "" ? -1 : b.group === "" ? 1 : 0))[0]!;
  }

  async forKind(apiVersion: string, kind: string): Promise<ApiResource> {
    const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
    const found = (await this.all()).find((r) => r.group === group && r.kind === kind);
    if (!found) throw new Error(`no matches for kind "${kind}" in version "${apiVersion}"`);
    return { ...found, version: version! };
  }
}

/** The REST path of a resource collection or object. */
export function resourcePath(r: ApiResource, namespace?: string, name?: string): string {
  const base = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
  const ns = r.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : "";
  return `${base}${ns}/${r.plural}${name ? `/${encodeURIComponent(name)}` : ""}`;
}

/** `deployment.apps/web`, as kubectl names objects in its messages. */
export function qualifiedName(r: ApiResource, name: string): string {
  return `${r.singular}${r.group ? `.${r.group}` : ""}/${name}`;
}

/** `deployments.apps "web"`, as kubectl's delete message names an object. */
export function pluralName(r: ApiResource): string {
  return `${r.plural}${r.group ? `.${r.group}` : ""}`;
}
