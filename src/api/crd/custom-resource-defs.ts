/**
 * What a CustomResourceDefinition serves: one ResourceDef per served version, in Kubernetes'
 * version priority order (v2 before v1 before v1beta1, so discovery's preferred version is
 * the one Kubernetes would prefer). The write path, OpenAPI, tables and the scale subresource
 * read the `custom` part; nothing else about custom resources is special.
 */
import { cloneObject } from "../../model/clone.ts";
import type { ResourceDef } from "../resources/types.ts";
import type { Schema } from "../openapi/defs-types.ts";
import { META_PREFIX } from "../openapi/model-names.ts";
import type { Crd, CrdNames, CrdVersion } from "./crd-types.ts";
import { printerFromColumns } from "./printer-columns.ts";

/**
 * The version's schema as objects are checked against it: apiVersion and kind typed, metadata
 * an ObjectMeta (a definition may only narrow name and generateName, which validation does not
 * enforce here), the rest as written.
 */
export function servedSchema(v: CrdVersion): Schema {
  const own: Schema = cloneObject(v.schema?.openAPIV3Schema ?? { type: "object", "x-kubernetes-preserve-unknown-fields": true });
  own.properties = {
    ...own.properties,
    apiVersion: { type: "string" },
    kind: { type: "string" },
    metadata: { $ref: `${META_PREFIX}.ObjectMeta` },
  };
  own.type ??= "object";
  return own;
}

/** Kubernetes' version priority: GA before beta before alpha, higher numbers first, others last by name. */
export function versionPriority(a: string, b: string): number {
  const rank = (v: string): [number, number, number, string] => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return [3, 0, 0, v];
    const level = m[2] === undefined ? 0 : m[2] === "beta" ? 1 : 2;
    return [level, -Number(m[1]), -Number(m[3] ?? 0), v];
  };
  const ra = rank(a);
  const rb = rank(b);
  for (let i = 0; i < 3; i++) if (ra[i] !== rb[i]) return (ra[i] as number) - (rb[i] as number);
  return ra[3].localeCompare(rb[3]);
}

/**
 * The definition's resources under `names` (those accepted for it): its served versions, or
 * with `all`, every version (to reach the stored objects of a definition being deleted).
 */
export function customResourceDefs(crd: Crd, names: CrdNames, all = false): ResourceDef[] {
  const spec = crd.spec;
  const storageVersion = spec.versions.find((v) => v.storage)?.name ?? spec.versions[0]!.name;
  return spec.versions
    .filter((v) => all || v.served)
    .sort((a, b) => versionPriority(a.name, b.name))
    .map((v): ResourceDef => {
      const subresources: string[] = [];
      if (v.subresources?.status) subresources.push("status");
      if (v.subresources?.scale) subresources.push("scale");
      return {
        group: spec.group,
        version: v.name,
        kind: names.kind,
        plural: names.plural,
        singular: names.singular ?? names.kind.toLowerCase(),
        namespaced: spec.scope === "Namespaced",
        ...(names.shortNames?.length ? { shortNames: names.shortNames } : {}),
        ...(names.categories?.length ? { categories: names.categories } : {}),
        ...(subresources.length ? { subresources } : {}),
        hasGeneration: true,
        storageVersion,
        custom: {
          schema: servedSchema(v),
          storageVersion,
          printer: printerFromColumns(v.additionalPrinterColumns),
          ...(v.subresources?.scale ? { scale: v.subresources.scale } : {}),
          crdUid: crd.metadata.uid ?? "",
          listKind: names.listKind ?? `${names.kind}List`,
          generation: crd.metadata.generation ?? 0,
        },
      };
    });
}
