/**
 * What serving a CustomResourceDefinition decides, without side effects: which names it may
 * take (the naming controller: no other definition of the group, nor a built-in resource, may
 * hold the same plural, singular, short names, kind or list kind), and the status that follows
 * (NamesAccepted, Established once names are accepted, storedVersions).
 */
import type { ResourceDef } from "../resources/types.ts";
import type { Crd, CrdCondition, CrdNames, CrdStatus } from "./crd-types.ts";
import { setCondition } from "./crd-conditions.ts";

export interface NamesVerdict {
  /** The names to serve: the requested ones when free, else those accepted before (if any). */
  names?: CrdNames;
  condition: CrdCondition;
}

/** `others`: every resource served in the definition's group except the definition's own. */
export function acceptNames(crd: Crd, others: ResourceDef[]): NamesVerdict {
  const want = crd.spec.names;
  const listKind = want.listKind ?? `${want.kind}List`;
  const taken = (pred: (d: ResourceDef) => boolean) => others.some(pred);
  let conflict: { reason: string; message: string } | undefined;
  if (taken((d) => d.plural === want.plural)) conflict = { reason: "PluralConflict", message: `"${want.plural}" is already in use` };
  else if (want.singular && taken((d) => d.singular === want.singular || d.plural === want.singular)) {
    conflict = { reason: "SingularConflict", message: `"${want.singular}" is already in use` };
  } else {
    const short = (want.shortNames ?? []).find((s) => taken((d) => d.plural === s || d.singular === s || (d.shortNames ?? []).includes(s)));
    if (short) conflict = { reason: "ShortNamesConflict", message: `"${short}" is already in use` };
    else if (taken((d) => d.kind === want.kind || d.custom?.listKind === want.kind)) conflict = { reason: "KindConflict", message: `"${want.kind}" is already in use` };
    else if (taken((d) => d.kind === listKind || d.custom?.listKind === listKind)) conflict = { reason: "ListKindConflict", message: `"${listKind}" is already in use` };
  }
  if (conflict) {
    return { names: crd.status?.acceptedNames?.plural ? crd.status.acceptedNames : undefined, condition: { type: "NamesAccepted", status: "False", ...conflict } };
  }
  return { names: { ...want, listKind }, condition: { type: "NamesAccepted", status: "True", reason: "NoConflicts", message: "no conflicts found" } };
}

/** The status a served (or refused) definition should carry; `now` stamps changed conditions. */
export function servedStatus(crd: Crd, verdict: NamesVerdict, now: string): CrdStatus {
  const status: CrdStatus = { ...crd.status };
  let conditions = setCondition(status.conditions, verdict.condition, now);
  if (verdict.names) {
    status.acceptedNames = verdict.names;
    conditions = setCondition(conditions, { type: "Established", status: "True", reason: "InitialNamesAccepted", message: "the initial names have been accepted" }, now);
  } else {
    conditions = setCondition(conditions, { type: "Established", status: "False", reason: "NotAccepted", message: "not all names are accepted" }, now);
  }
  status.conditions = conditions;
  const storage = crd.spec.versions.find((v) => v.storage)?.name;
  const stored = status.storedVersions ?? [];
  status.storedVersions = storage && !stored.includes(storage) ? [...stored, storage] : stored;
  return status;
}
