/**
 * The decision of the manifests deployer, pure: from what each file asks for now and what
 * each file applied before (the record), what to apply and what to delete.
 *
 * - every document of a readable, enabled file is applied (unchanged ones cost a read);
 * - an object a file applied before and no longer holds is deleted — unless another file now
 *   holds it (it moved), which then takes it over;
 * - a removed or `--disable`d file's objects are all deleted;
 * - an unreadable file changes nothing.
 */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}

/** What each file applied, by file name: the deployer's memory across restarts. */
export type AppliedRecord = Record<string, ObjectRef[]>;

export type FileState<T> = { readable: true; objects: { ref: ObjectRef; object: T }[] } | { readable: false };

export interface ManifestPlan<T> {
  apply: { file: string; ref: ObjectRef; object: T }[];
  delete: { file: string; ref: ObjectRef }[];
  /** Files whose record entry stays as it was (unreadable now). */
  keep: string[];
}

/** The identity of an object across files; the group's version may differ between files. */
export function refKey(r: ObjectRef): string {
  const group = r.apiVersion.includes("/") ? r.apiVersion.split("/")[0] : "";
  return `${group}/${r.kind}/${r.namespace ?? ""}/${r.name}`;
}

export function planManifests<T>(files: Map<string, FileState<T>>, record: AppliedRecord, disabled: (file: string) => boolean): ManifestPlan<T> {
  const plan: ManifestPlan<T> = { apply: [], delete: [], keep: [] };
  const wanted = new Set<string>();
  for (const [file, state] of files) {
    if (disabled(file)) continue;
    if (!state.readable) {
      plan.keep.push(file);
      for (const r of record[file] ?? []) wanted.add(refKey(r));
      continue;
    }
    for (const o of state.objects) {
      wanted.add(refKey(o.ref));
      plan.apply.push({ file, ...o });
    }
  }
  for (const [file, refs] of Object.entries(record)) {
    for (const ref of refs) if (!wanted.has(refKey(ref))) plan.delete.push({ file, ref });
  }
  return plan;
}
