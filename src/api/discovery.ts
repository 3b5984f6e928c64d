/**
 * Discovery documents: legacy (`/api`, `/apis`, `/api/v1`, `/apis/G/V`) and aggregated
 * (`apidiscovery.k8s.io/v2` APIGroupDiscoveryList, which kubectl 1.32 asks for first).
 */
import type { ResourceDef } from "./resources/types.ts";
import type { ResourceRegistry } from "./resources/registry.ts";

const ALL_VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

function verbsOf(def: ResourceDef): string[] {
  return def.verbs ?? ALL_VERBS;
}

const SUBRESOURCE_VERBS: Record<string, string[]> = {
  status: ["get", "patch", "update"],
  ephemeralcontainers: ["get", "patch", "update"],
  scale: ["get", "patch", "update"],
  binding: ["create"],
  eviction: ["create"],
  log: ["get"],
  exec: ["create", "get"],
  attach: ["create", "get"],
  portforward: ["create", "get"],
  finalize: ["update"],
  proxy: ["create", "delete", "get", "patch", "update"],
};

const SUBRESOURCE_KIND: Record<string, { group: string; version: string; kind: string }> = {
  scale: { group: "autoscaling", version: "v1", kind: "Scale" },
  binding: { group: "", version: "v1", kind: "Binding" },
  eviction: { group: "policy", version: "v1", kind: "Eviction" },
  exec: { group: "", version: "v1", kind: "PodExecOptions" },
  attach: { group: "", version: "v1", kind: "PodAttachOptions" },
  portforward: { group: "", version: "v1", kind: "PodPortForwardOptions" },
  proxy: { group: "", version: "v1", kind: "NodeProxyOptions" },
};

export function apiVersions(serverAddress: string): object {
  return {
    kind: "APIVersions",
    versions: ["v1"],
    serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress }],
  };
}

export function apiGroupList(registry: ResourceRegistry): object {
  return {
    kind: "APIGroupList",
    apiVersion: "v1",
    groups: [...registry.groups()].map(([name, versions]) => apiGroup(name, versions)),
  };
}

export function apiGroup(name: string, versions: string[]): object {
  const gvs = versions.map((v) => ({ groupVersion: `${name}/${v}`, version: v }));
  return { kind: "APIGroup", apiVersion: "v1", name, versions: gvs, preferredVersion: gvs[0] };
}

export function apiResourceList(registry: ResourceRegistry, group: string, version: string): object | undefined {
  const defs = registry.inGroupVersion(group, version);
  if (defs.length === 0) return undefined;
  const resources: object[] = [];
  for (const def of defs) {
    resources.push({
      name: def.plural,
      singularName: def.singular,
      namespaced: def.namespaced,
      kind: def.kind,
      verbs: verbsOf(def),
      ...(def.shortNames ? { shortNames: def.shortNames } : {}),
      ...(def.categories ? { categories: def.categories } : {}),
      storageVersionHash: storageVersionHash(def),
    });
    for (const sub of def.subresources ?? []) {
      const k = SUBRESOURCE_KIND[sub];
      resources.push({
        name: `${def.plural}/${sub}`,
        singularName: "",
        namespaced: def.namespaced,
        ...(k && (k.group !== def.group || k.version !== def.version) ? { group: k.group, version: k.version } : {}),
        kind: k?.kind ?? def.kind,
        verbs: SUBRESOURCE_VERBS[sub] ?? ["get"],
      });
    }
  }
  return { kind: "APIResourceList", apiVersion: "v1", groupVersion: group ? `${group}/${version}` : version, resources };
}

/** Aggregated discovery (apidiscovery.k8s.io/v2): one document for `/api` or for `/apis`. */
export function aggregatedDiscovery(registry: ResourceRegistry, legacy: boolean, apiVersion = "apidiscovery.k8s.io/v2"): object {
  const groups = legacy ? new Map([["", ["v1"]]]) : registry.groups();
  const items = [...groups].map(([name, versions]) => ({
    metadata: { name, creationTimestamp: null },
    versions: versions.map((version) => ({
      version,
      freshness: "Current",
      resources: registry.inGroupVersion(name, version).map((def) => ({
        resource: def.plural,
        responseKind: { group: def.group, version: def.version, kind: def.kind },
        scope: def.namespaced ? "Namespaced" : "Cluster",
        singularResource: def.singular,
        verbs: verbsOf(def),
        ...(def.shortNames ? { shortNames: def.shortNames } : {}),
        ...(def.categories ? { categories: def.categories } : {}),
        ...(def.subresources?.length
          ? {
              subresources: def.subresources.map((sub) => {
                const k = SUBRESOURCE_KIND[sub] ?? { group: def.group, version: def.version, kind: def.kind };
                return { subresource: sub, responseKind: k, verbs: SUBRESOURCE_VERBS[sub] ?? ["get"] };
              }),
            }
          : {}),
      })),
    })),
  }));
  return { kind: "APIGroupDiscoveryList", apiVersion, metadata: {}, items };
}

/** A stable per-resource hash, as Kubernetes publishes (clients only compare it for equality). */
function storageVersionHash(def: ResourceDef): string {
  const h = new Bun.CryptoHasher("sha256").update(`${def.group}/${def.version}/${def.kind}`).digest("base64");
  return h.slice(0, 11);
}

/**
 * kubectl asks `Accept: application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,...`;
 * returns the discovery version to answer with, or undefined for the legacy documents.
 */
export function wantsAggregated(accept: string | null): "v2" | "v2beta1" | undefined {
  if (!accept) return undefined;
  for (const part of accept.split(",")) {
    if (!part.includes("as=APIGroupDiscoveryList")) continue;
    if (part.includes("v=v2beta1")) return "v2beta1";
    if (part.includes("v=v2")) return "v2";
  }
  return undefined;
}
