/**
 * Which evaluator measures a kind, and which kind a quota resource name is about. Kinds
 * without their own evaluator get an object-count one, so `count/<plural>.<group>` works for
 * every served resource, as in Kubernetes.
 */
import { ObjectCountEvaluator } from "./object-count.ts";
import { PodEvaluator } from "./pod-evaluator.ts";
import { PvcEvaluator } from "./pvc-evaluator.ts";
import { ServiceEvaluator } from "./service-evaluator.ts";
import type { UsageEvaluator } from "./types.ts";

/** Kinds that quota never charges (install.DefaultIgnoredResources): events are reports, not workload. */
const IGNORED = new Set(["events.", "events.events.k8s.io"]);

/** Core kinds counted by their bare plural too, from before `count/` existed. */
const LEGACY_COUNTED = new Set(["configmaps", "secrets", "replicationcontrollers", "resourcequotas"]);

const evaluators = new Map<string, UsageEvaluator>();

export function evaluatorFor(group: string, plural: string): UsageEvaluator | undefined {
  const id = `${plural}.${group}`;
  if (IGNORED.has(id)) return undefined;
  let ev = evaluators.get(id);
  if (!ev) {
    if (group === "" && plural === "pods") ev = new PodEvaluator();
    else if (group === "" && plural === "services") ev = new ServiceEvaluator();
    else if (group === "" && plural === "persistentvolumeclaims") ev = new PvcEvaluator();
    else ev = new ObjectCountEvaluator(group, plural, group === "" && LEGACY_COUNTED.has(plural) ? plural : undefined);
    evaluators.set(id, ev);
  }
  return ev;
}

export interface KindRef {
  group: string;
  plural: string;
}

const SERVICES: KindRef = { group: "", plural: "services" };
const PVCS: KindRef = { group: "", plural: "persistentvolumeclaims" };
const PODS: KindRef = { group: "", plural: "pods" };

/**
 * The kind whose objects a quota resource name counts, e.g. `requests.cpu` → pods,
 * `count/deployments.apps` → deployments in apps; undefined for names no kind uses.
 */
export function kindForResourceName(name: string): KindRef | undefined {
  if (name.startsWith("count/")) {
    const resource = name.slice("count/".length);
    const dot = resource.indexOf(".");
    return dot < 0 ? { group: "", plural: resource } : { group: resource.slice(dot + 1), plural: resource.slice(0, dot) };
  }
  if (LEGACY_COUNTED.has(name)) return { group: "", plural: name };
  for (const kind of [SERVICES, PVCS, PODS]) {
    if (evaluatorFor(kind.group, kind.plural)!.matchingResources([name]).length) return kind;
  }
  return undefined;
}
