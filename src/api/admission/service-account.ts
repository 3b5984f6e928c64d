/**
 * The ServiceAccount admission plugin (kubernetes `plugin/pkg/admission/serviceaccount`), on
 * pod create: a pod without `serviceAccountName` runs as `default`; unless
 * `automountServiceAccountToken: false` (on the pod, else on its account) it gets the
 * projected volume `kube-api-access-<5>` — a token for the account (3607 s, the kubelet
 * refreshes it), the cluster CA from `kube-root-ca.crt` and the namespace — mounted read-only
 * at /var/run/secrets/kubernetes.io/serviceaccount in every container and init container
 * that does not mount something there already. Mirror pods are left alone.
 */
import { randomInt } from "node:crypto";
import type { KubeObject } from "../../model/object.ts";
import type { AdmissionPlugin } from "./types.ts";

export const SERVICE_ACCOUNT_MOUNT = "/var/run/secrets/kubernetes.io/serviceaccount";
const VOLUME_PREFIX = "kube-api-access-";
const MIRROR_ANNOTATION = "kubernetes.io/config.mirror";
/** apimachinery's utilrand alphabet: no vowels, no confusable characters. */
const ALPHANUMS = "bcdfghjklmnpqrstvwxz2456789";

export interface ServiceAccountAdmissionDeps {
  serviceAccount(namespace: string, name: string): Promise<KubeObject | undefined>;
  /** The volume name's suffix (tests fix it). */
  suffix?: () => string;
}

export function serviceAccountAdmission(deps: ServiceAccountAdmissionDeps): AdmissionPlugin {
  const suffix = deps.suffix ?? (() => Array.from({ length: 5 }, () => ALPHANUMS[randomInt(ALPHANUMS.length)]).join(""));
  return {
    name: "ServiceAccount",
    async admit(req) {
      if (req.operation !== "CREATE" || req.def.group !== "" || req.def.plural !== "pods" || req.subresource) return;
      const pod = req.object;
      if (pod.metadata.annotations?.[MIRROR_ANNOTATION] !== undefined) return;
      const spec = (pod.spec ??= {});
      spec.serviceAccountName ||= spec.serviceAccount || "default";
      let automount: boolean | undefined = spec.automountServiceAccountToken;
      if (automount === undefined || automount === null) {
        const sa = await deps.serviceAccount(pod.metadata.namespace!, spec.serviceAccountName);
        automount = sa?.automountServiceAccountToken !== false;
      }
      if (!automount) return;
      const containers = [...(spec.initContainers ?? []), ...(spec.containers ?? [])];
      if (containers.every((c: any) => (c.volumeMounts ?? []).some((m: any) => m.mountPath === SERVICE_ACCOUNT_MOUNT))) return;
      const name = VOLUME_PREFIX + suffix();
      spec.volumes = [...(spec.volumes ?? []), accessVolume(name)];
      for (const c of containers) {
        if ((c.volumeMounts ?? []).some((m: any) => m.mountPath === SERVICE_ACCOUNT_MOUNT)) continue;
        c.volumeMounts = [...(c.volumeMounts ?? []), { name, readOnly: true, mountPath: SERVICE_ACCOUNT_MOUNT }];
      }
    },
  };
}

function accessVolume(name: string): object {
  return {
    name,
    projected: {
      defaultMode: 0o644,
      sources: [
        { serviceAccountToken: { expirationSeconds: 3607, path: "token" } },
        { configMap: { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: "ca.crt" }] } },
        { downwardAPI: { items: [{ path: "namespace", fieldRef: { apiVersion: "v1", fieldPath: "metadata.namespace" } }] } },
      ],
    },
  };
}
