/**
 * Priority (Kubernetes' admission plugin of that name): a new pod gets the priority and
 * preemption policy of the PriorityClass it names, or of the cluster's default class, or 0;
 * naming a class that does not exist, or a priority other than its class's, refuses the pod.
 * At most one class is the global default, and the system classes cannot be deleted.
 *
 * Most pods name no class, so the default is kept between pod creates rather than listed for
 * each; any write or delete of a class (they all pass here) forgets it.
 */
import { errors } from "../../model/errors.ts";
import type { KubeObject } from "../../model/object.ts";
import { systemPriorityClass } from "../../model/priority-classes.ts";
import type { AdmissionPlugin, AdmissionRequest } from "./types.ts";

export interface PriorityClasses {
  get(name: string): Promise<KubeObject | undefined>;
  list(): Promise<KubeObject[]>;
}

const isClass = (req: AdmissionRequest) => req.def.group === "scheduling.k8s.io" && req.def.kind === "PriorityClass";

export function priorityAdmission(classes: PriorityClasses): AdmissionPlugin {
  /** The global default class (the lowest-valued if several), null when there is none; undefined = not known. */
  let globalDefault: KubeObject | null | undefined;
  const defaultClass = async (): Promise<KubeObject | null> => {
    if (globalDefault === undefined) {
      const defaults = (await classes.list()).filter((c) => c.globalDefault === true && !c.metadata.deletionTimestamp);
      globalDefault = defaults.sort((a, b) => a.value - b.value)[0] ?? null;
    }
    return globalDefault;
  };
  const forget = (req: AdmissionRequest) => {
    if (isClass(req)) globalDefault = undefined;
  };

  return {
    name: "Priority",
    async admit(req) {
      if (isClass(req)) return admitClass(req, classes);
      if (req.operation !== "CREATE" || req.def.group !== "" || req.def.kind !== "Pod" || req.subresource) return;
      const pod = req.object;
      const spec = (pod.spec ??= {});
      const forbidden = (why: string) => errors.forbidden(`pods "${pod.metadata.name ?? ""}" is forbidden: ${why}`);
      let cls: KubeObject | null;
      if (spec.priorityClassName) {
        cls = (await classes.get(spec.priorityClassName)) ?? null;
        if (!cls) throw forbidden(`no PriorityClass with name ${spec.priorityClassName} was found`);
      } else {
        cls = await defaultClass();
        if (cls) spec.priorityClassName = cls.metadata.name;
      }
      const priority: number = cls?.value ?? 0;
      const policy: string = cls?.preemptionPolicy ?? "PreemptLowerPriority";
      if (spec.priority !== undefined && spec.priority !== null && spec.priority !== priority) {
        throw forbidden(`the integer value of priority (${spec.priority}) must not be provided in pod spec; priority admission controller computed ${priority} from the given PriorityClass name`);
      }
      if (spec.preemptionPolicy !== undefined && spec.preemptionPolicy !== null && spec.preemptionPolicy !== policy) {
        throw forbidden(`the string value of PreemptionPolicy (${spec.preemptionPolicy}) must not be provided in pod spec; priority admission controller computed ${policy} from the given PriorityClass name`);
      }
      spec.priority = priority;
      spec.preemptionPolicy = policy;
    },
    committed: forget,
    release: forget,
  };
}

async function admitClass(req: AdmissionRequest, classes: PriorityClasses): Promise<void> {
  const name = req.object.metadata.name ?? "";
  if (req.operation === "DELETE") {
    if (systemPriorityClass(name)) throw errors.forbidden(`priorityclasses.scheduling.k8s.io "${name}" is forbidden: this is a system priority class and cannot be deleted`);
    return;
  }
  if (req.object.globalDefault !== true) return;
  const other = (await classes.list()).find((c) => c.globalDefault === true && c.metadata.name !== name);
  if (other) throw errors.forbidden(`priorityclasses.scheduling.k8s.io "${name}" is forbidden: PriorityClass ${other.metadata.name} is already marked as default. Only one default can exist`);
}
