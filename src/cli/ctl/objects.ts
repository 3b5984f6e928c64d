/**
 * The objects a mutating verb acts on, named as kubectl takes them: `TYPE NAME…`, `TYPE/NAME…`,
 * `TYPE -l selector`, `TYPE --all`, or `-f file`; each with its resource and namespace.
 */
import { qualifiedName, resourcePath, type ApiResource } from "../../client/discovery.ts";
import type { CtlContext } from "./context.ts";
import { parseTargets } from "./get.ts";
import { readManifests } from "./manifests.ts";

export interface ObjectRef {
  r: ApiResource;
  ns?: string;
  name: string;
}

export interface SelectOptions {
  selector?: string;
  all?: boolean;
  filename?: string[];
  allNamespaces?: boolean;
}

export async function selectObjects(ctx: CtlContext, args: string[], o: SelectOptions, stdin?: () => string): Promise<ObjectRef[]> {
  if (o.filename?.length) {
    const out: ObjectRef[] = [];
    for (const { object } of readManifests(o.filename, stdin)) {
      const r = await ctx.discovery.forKind(object.apiVersion, object.kind);
      out.push({ r, ns: r.namespaced ? object.metadata?.namespace ?? ctx.namespace : undefined, name: object.metadata?.name });
    }
    return out;
  }
  if (!args.length) throw new Error("You must provide one or more resources by argument or filename.");
  const out: ObjectRef[] = [];
  for (const { r, names } of await parseTargets(ctx, args)) {
    const ns = r.namespaced && !o.allNamespaces ? ctx.namespace : undefined;
    if (names.length) {
      if (o.selector) throw new Error("selectors and the all flag cannot be used when passing resource/name arguments");
      for (const name of names) out.push({ r, ns, name });
    } else if (o.selector || o.all) {
      const list = await ctx.client.request(resourcePath(r, ns), { query: { labelSelector: o.selector } });
      for (const item of list.items ?? []) out.push({ r, ns: item.metadata?.namespace ?? ns, name: item.metadata.name });
    } else throw new Error(`resource(s) were provided, but no name was specified`);
  }
  return out;
}

export const pathOf = (ref: ObjectRef, sub?: string) => resourcePath(ref.r, ref.ns, ref.name) + (sub ? `/${sub}` : "");
export const labelOf = (ref: ObjectRef) => qualifiedName(ref.r, ref.name);

/** Runs `fn` on each object; errors are printed in kubectl's words and the verb exits 1 after the rest. */
export async function eachObject(ctx: CtlContext, refs: ObjectRef[], fn: (ref: ObjectRef) => Promise<void>, formatError: (e: unknown) => string): Promise<number> {
  let failed = 0;
  for (const ref of refs) {
    try {
      await fn(ref);
    } catch (e) {
      failed++;
      ctx.err(formatError(e));
    }
  }
  return failed ? 1 : 0;
}
