/**
 * What users type (`po`, `pods`, `deploy`, `deployments.apps`, `deployment.v1.apps`,
 * `Deployment`) and what manifests say (apiVersion + kind), resolved to a served resource
 * through the server's discovery (`/api/v1`, `/apis`, `/apis/G/V`).
 *
 * One Discovery per client caches the server's resource lists for its lifetime (a `k3rs ctl`
 * run is one process, one client); a miss reloads once, as kubectl invalidates its cache on a
 * miss, so a resource that appeared after the first load is still found.
 *
 * @example
 *   const r = await new Discovery(client).resolve("deploy"); // { group: "apps", plural: "deployments", … }
 */
import type { V1APIGroupList, V1APIResourceList } from "@kubernetes/client-node";

export interface ApiResource {
  group: string;
  version: string;
  plural: string;
  singular: string;
  kind: string;
  namespaced: boolean;
  shortNames: string[];
  /** As discovery lists them (api-resources -o wide). */
  verbs?: string[];
  categories?: string[];
}

/** The one thing discovery needs from a client (RestClient has it; tests hand in a fake). */
export interface DiscoveryClient {
  request<T = any>(path: string): Promise<T>;
}

export class Discovery {
  private resources?: Promise<ApiResource[]>;

  constructor(private readonly client: DiscoveryClient) {}

  all(): Promise<ApiResource[]> {
    if (!this.resources) {
      const loading = this.load();
      this.resources = loading;
      // A failed load is not cached: the next call tries again.
      loading.catch(() => {
        if (this.resources === loading) this.resources = undefined;
      });
    }
    return this.resources;
  }

  /** Forget what was loaded (after a CRD or an aggregated API appears). */
  invalidate(): void {
    this.resources = undefined;
  }

  private async load(): Promise<ApiResource[]> {
    const core = await this.client.request<V1APIResourceList | undefined>("/api/v1");
    const groups = await this.client.request<V1APIGroupList | undefined>("/apis");
    // One group failing (an aggregated API whose backend is down) must not hide the others;
    // kubectl also carries on with partial discovery.
    const lists = await Promise.allSettled(
      (groups?.groups ?? []).map(async (g) => {
        const v = g.preferredVersion?.version ?? g.versions?.[0]?.version;
        return { group: String(g.name), version: String(v), list: await this.client.request<V1APIResourceList | undefined>(`/apis/${g.name}/${v}`) };
      }),
    );
    const all = [{ group: "", version: "v1", list: core }, ...lists.flatMap((l) => (l.status === "fulfilled" ? [l.value] : []))];
    const out: ApiResource[] = [];
    for (const { group, version, list } of all) {
      for (const r of list?.resources ?? []) {
        if (String(r.name).includes("/")) continue; // subresources (pods/log, deployments/scale)
        out.push({ group, version, plural: r.name, singular: r.singularName || String(r.kind).toLowerCase(), kind: r.kind, namespaced: !!r.namespaced, shortNames: r.shortNames ?? [], verbs: r.verbs ?? [], categories: r.categories ?? [] });
      }
    }
    return out;
  }

  /** `pods`, `pod`, `po`, `Pod`, `deployments.apps`, `deployment.v1.apps`. */
  async resolve(name: string): Promise<ApiResource> {
    const found = pickResource(await this.all(), name) ?? (this.invalidate(), pickResource(await this.all(), name));
    if (!found) throw new Error(`the server doesn't have a resource type "${name}"`);
    return found;
  }

  /** A manifest's apiVersion + kind; the version is the manifest's, not the preferred one. */
  async forKind(apiVersion: string, kind: string): Promise<ApiResource> {
    const find = (all: ApiResource[]) => pickKind(all, apiVersion, kind);
    const found = find(await this.all()) ?? (this.invalidate(), find(await this.all()));
    if (!found) throw new Error(`no matches for kind "${kind}" in version "${apiVersion}"`);
    return found;
  }
}

/** The resource a typed name means, or undefined. Core wins ambiguous names, then groups in discovery order, as kubectl's priority does. */
export function pickResource(all: ApiResource[], name: string): ApiResource | undefined {
  const exactKind = all.filter((r) => r.kind === name);
  if (exactKind.length) return preferCore(exactKind);
  const lower = name.toLowerCase();
  const dot = lower.indexOf(".");
  const head = dot < 0 ? lower : lower.slice(0, dot);
  const groupHint = dot < 0 ? undefined : lower.slice(dot + 1);
  const matches = all.filter((r) => {
    if (![r.plural, r.singular, r.kind.toLowerCase(), ...r.shortNames].includes(head)) return false;
    if (groupHint === undefined) return true;
    return groupHint === r.group || groupHint === `${r.version}.${r.group}` || (r.group === "" && groupHint === r.version);
  });
  return preferCore(matches);
}

export function pickKind(all: ApiResource[], apiVersion: string, kind: string): ApiResource | undefined {
  const slash = apiVersion.indexOf("/");
  const group = slash < 0 ? "" : apiVersion.slice(0, slash);
  const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
  const found = all.find((r) => r.group === group && r.kind === kind);
  return found && { ...found, version };
}

function preferCore(matches: ApiResource[]): ApiResource | undefined {
  return matches.find((r) => r.group === "") ?? matches[0];
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

/** `deployments.apps`, as kubectl's errors name a resource. */
export function pluralName(r: ApiResource): string {
  return `${r.plural}${r.group ? `.${r.group}` : ""}`;
}
