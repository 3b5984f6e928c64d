/**
 * NodeRestriction (kubernetes `plugin/pkg/admission/noderestriction`): what a node's identity
 * writes is its own — its Node object (and status), its Lease in kube-node-lease, the status
 * of pods bound to it, the final delete of those pods, mirror pods bound to it. Writes by
 * anyone else pass untouched. Messages as the apiserver words them.
 */
import type { AdmissionPlugin, AdmissionRequest } from "./types.ts";
import { nodeNameOf } from "../auth/node/node-authorizer.ts";
import { StatusError } from "../../model/errors.ts";

const MIRROR_ANNOTATION = "kubernetes.io/config.mirror";
const NODE_LEASE_NAMESPACE = "kube-node-lease";

function forbidden(req: AdmissionRequest, message: string): StatusError {
  const name = req.object.metadata.name ?? "";
  const resource = req.def.group ? `${req.def.plural}.${req.def.group}` : req.def.plural;
  return new StatusError(403, "Forbidden", `${resource} ${JSON.stringify(name)} is forbidden: ${message}`, { name, group: req.def.group || undefined, kind: req.def.plural });
}

export const nodeRestriction: AdmissionPlugin = {
  name: "NodeRestriction",
  admit(req) {
    const node = req.user && nodeNameOf(req.user);
    if (!node) return;
    const { group, plural } = req.def;
    if (group === "" && plural === "pods") return admitPod(req, node);
    if (group === "" && plural === "nodes") {
      if (req.object.metadata.name !== node) throw forbidden(req, `node ${JSON.stringify(node)} is not allowed to modify node ${JSON.stringify(req.object.metadata.name)}`);
      return;
    }
    if (group === "coordination.k8s.io" && plural === "leases") {
      if (req.object.metadata.namespace !== NODE_LEASE_NAMESPACE || req.object.metadata.name !== node) {
        throw forbidden(req, "can only access node lease with the same name as the requesting node");
      }
    }
  },
};

function admitPod(req: AdmissionRequest, node: string): void {
  const pod = req.old ?? req.object;
  switch (req.operation) {
    case "CREATE":
      if (req.object.metadata.annotations?.[MIRROR_ANNOTATION] === undefined) {
        throw forbidden(req, `pod does not have "${MIRROR_ANNOTATION}" annotation, node ${JSON.stringify(node)} can only create mirror pods`);
      }
      if (req.object.spec?.nodeName !== node) throw forbidden(req, `node ${JSON.stringify(node)} can only create pods with spec.nodeName set to itself`);
      return;
    case "UPDATE":
      if (req.subresource !== "status") throw forbidden(req, `node ${JSON.stringify(node)} can only update pod status`);
      if (pod.spec?.nodeName !== node) throw forbidden(req, `node ${JSON.stringify(node)} can only update pod status for pods with spec.nodeName set to itself`);
      return;
    case "DELETE":
      if (pod.spec?.nodeName !== node) throw forbidden(req, `node ${JSON.stringify(node)} can only delete pods with spec.nodeName set to itself`);
  }
}
