/**
 * DefaultTolerationSeconds: every new pod tolerates the not-ready and unreachable NoExecute
 * taints for a while (300 s each unless configured), so a node that misses a few heartbeats
 * does not lose its pods at once — unless the pod says otherwise.
 */
import { TAINT_NOT_READY, TAINT_UNREACHABLE } from "../../model/taints.ts";
import type { AdmissionPlugin, AdmissionRequest } from "./types.ts";

export function defaultTolerationSeconds(seconds: { notReadyTolerationSeconds: number; unreachableTolerationSeconds: number }): AdmissionPlugin {
  const forKey: Record<string, number> = { [TAINT_NOT_READY]: seconds.notReadyTolerationSeconds, [TAINT_UNREACHABLE]: seconds.unreachableTolerationSeconds };
  return {
    name: "DefaultTolerationSeconds",
    admit(req: AdmissionRequest) {
      if (req.operation !== "CREATE" || req.def.kind !== "Pod" || req.subresource) return;
      const spec = (req.object.spec ??= {});
      const tolerations: any[] = spec.tolerations ?? [];
      const covers = (key: string) => tolerations.some((t) => (t?.effect === "NoExecute" || !t?.effect) && (t?.key === key || (!t?.key && t?.operator === "Exists")));
      const added = [TAINT_NOT_READY, TAINT_UNREACHABLE]
        .filter((key) => !covers(key))
        .map((key) => ({ key, operator: "Exists", effect: "NoExecute", tolerationSeconds: forKey[key] }));
      if (added.length) spec.tolerations = [...tolerations, ...added];
    },
  };
}
