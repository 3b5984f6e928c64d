/** Namespaced objects need an existing, non-terminating namespace (the NamespaceLifecycle plugin). */
import { errors, StatusError } from "../../model/errors.ts";
import type { KubeObject } from "../../model/object.ts";
import type { AdmissionPlugin, AdmissionRequest } from "./types.ts";

/** Namespaces that can never be deleted, as in Kubernetes. */
export const IMMORTAL_NAMESPACES = new Set(["default", "kube-system", "kube-public"]);

export function namespaceLifecycle(getNamespace: (name: string) => Promise<KubeObject | undefined>): AdmissionPlugin {
  return {
    name: "NamespaceLifecycle",
    async admit(req: AdmissionRequest) {
      if (req.operation === "DELETE" && req.def.kind === "Namespace" && IMMORTAL_NAMESPACES.has(req.object.metadata.name ?? "")) {
        throw errors.forbidden(`namespaces "${req.object.metadata.name}" is forbidden: this namespace may not be deleted`);
      }
      if (req.operation !== "CREATE" || !req.def.namespaced) return;
      const nsName = req.object.metadata.namespace!;
      const ns = await getNamespace(nsName);
      if (!ns) throw errors.notFound("", "namespaces", nsName);
      if (ns.metadata.deletionTimestamp || ns.status?.phase === "Terminating") {
        // Events about the namespace's own teardown are still allowed, as in Kubernetes.
        if (req.def.kind === "Event") return;
        throw new StatusError(
          403,
          "Forbidden",
          `${req.def.plural} "${req.object.metadata.name ?? ""}" is forbidden: unable to create new content in namespace ${nsName} because it is being terminated`,
          { name: req.object.metadata.name, kind: req.def.plural, causes: [{ reason: "NamespaceTerminating", message: `namespace ${nsName} is being terminated`, field: "metadata.namespace" }] },
        );
      }
    },
  };
}
