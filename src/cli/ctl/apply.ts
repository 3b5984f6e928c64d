/** `k3rs ctl apply -f`: create what is missing, three-way patch what exists (kubectl's apply, client side). */
import { isStatusError } from "../../model/errors.ts";
import { qualifiedName, resourcePath } from "../../client/discovery.ts";
import { formatError, type CtlContext } from "./context.ts";
import { dryRun } from "./dry-run.ts";
import { readManifests } from "./manifests.ts";
import { LAST_APPLIED, threeWayMergePatch } from "../../client/three-way.ts";

export { LAST_APPLIED };

export async function runApply(ctx: CtlContext, files: string[], o: { dryRun?: string } = {}, stdin?: () => string): Promise<number> {
  const dry = dryRun(o.dryRun);
  if (!files.length) throw new Error("must specify one of -f and -k");
  const manifests = readManifests(files, stdin);
  let failed = 0;
  for (const { object, source } of manifests) {
    try {
      const r = await ctx.discovery.forKind(object.apiVersion, object.kind).catch((cause: Error) => {
        throw new Error(`resource mapping not found for name: "${object.metadata?.name ?? ""}" namespace: "${object.metadata?.namespace ?? ""}" from "${source}": ${cause.message}\nensure CRDs are installed first`, { cause });
      });
      const name = object.metadata?.name;
      if (!name) throw new Error(`error when retrieving current configuration: resource name may not be empty`);
      let ns: string | undefined;
      if (r.namespaced) {
        const manifestNs = object.metadata?.namespace;
        if (manifestNs && ctx.explicitNamespace && manifestNs !== ctx.namespace) {
          throw new Error(`the namespace from the provided object "${manifestNs}" does not match the namespace "${ctx.namespace}". You must pass '--namespace=${manifestNs}' to perform this operation.`);
        }
        ns = manifestNs ?? ctx.namespace;
      }
      const desired = structuredClone(object);
      desired.metadata ??= {};
      if (ns) desired.metadata.namespace = ns;
      // kubectl records the manifest with an (often empty) annotations map; so do we, byte for byte.
      desired.metadata.annotations = { ...(desired.metadata.annotations ?? {}) };
      delete desired.metadata.annotations[LAST_APPLIED];
      const lastApplied = sortedJson(desired);
      desired.metadata.annotations = { ...(desired.metadata.annotations ?? {}), [LAST_APPLIED]: lastApplied + "\n" };
      const query = { fieldValidation: "Strict", fieldManager: "k3rs-ctl", dryRun: dry.query };
      let live: any;
      try {
        live = await ctx.client.request(resourcePath(r, ns, name));
      } catch (e) {
        if (!isStatusError(e, "NotFound")) throw e;
      }
      const label = qualifiedName(r, name);
      if (!live) {
        if (dry.send) await ctx.client.request(resourcePath(r, ns), { method: "POST", body: desired, query });
        ctx.out(`${label} created${dry.suffix}\n`);
        continue;
      }
      const previousText = live.metadata?.annotations?.[LAST_APPLIED];
      let previous: any;
      try {
        previous = previousText ? JSON.parse(previousText) : undefined;
      } catch {}
      // kubectl's client dry run compares nothing: every existing object reads "configured (dry run)".
      if (!dry.send) {
        ctx.out(`${label} configured${dry.suffix}\n`);
        continue;
      }
      const patch = threeWayMergePatch(previous, desired, live);
      if (Object.keys(patch).length === 0) {
        ctx.out(`${label} unchanged${dry.suffix}\n`);
        continue;
      }
      await ctx.client.request(resourcePath(r, ns, name), { method: "PATCH", body: patch, contentType: "application/merge-patch+json", query });
      ctx.out(`${label} configured${dry.suffix}\n`);
    } catch (e) {
      failed++;
      ctx.err(formatError(e));
    }
  }
  return failed ? 1 : 0;
}

/** JSON with object keys sorted, as Go's encoding/json writes maps — so kubectl sees the same annotation. */
export function sortedJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(sortedJson).join(",")}]`;
  if (v && typeof v === "object") {
    return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${sortedJson((v as any)[k])}`).join(",")}}`;
  }
  return JSON.stringify(v);
}
