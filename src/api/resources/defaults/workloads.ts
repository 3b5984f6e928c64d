/** Defaults of apps/v1 and batch/v1 kinds (pkg/apis/apps/v1/defaults.go, pkg/apis/batch/v1/defaults.go). */
import type { KubeObject } from "../../../model/object.ts";
import { defaultPodSpec } from "./pod-template.ts";

export function defaultTemplate(obj: KubeObject): void {
  const t = obj.spec?.template;
  if (t && typeof t === "object") {
    t.metadata ??= {};
    defaultPodSpec(t.spec);
  }
}

export function defaultDeployment(obj: KubeObject): void {
  const s = (obj.spec ??= {});
  s.replicas ??= 1;
  s.revisionHistoryLimit ??= 10;
  s.progressDeadlineSeconds ??= 600;
  s.strategy ??= {};
  s.strategy.type ??= "RollingUpdate";
  if (s.strategy.type === "RollingUpdate") {
    s.strategy.rollingUpdate ??= {};
    s.strategy.rollingUpdate.maxUnavailable ??= "25%";
    s.strategy.rollingUpdate.maxSurge ??= "25%";
  }
  defaultTemplate(obj);
}

export function defaultReplicaSet(obj: KubeObject): void {
  const s = (obj.spec ??= {});
  s.replicas ??= 1;
  defaultTemplate(obj);
}

export function defaultStatefulSet(obj: KubeObject): void {
  const s = (obj.spec ??= {});
  s.replicas ??= 1;
  s.podManagementPolicy ??= "OrderedReady";
  s.revisionHistoryLimit ??= 10;
  s.updateStrategy ??= {};
  s.updateStrategy.type ??= "RollingUpdate";
  if (s.updateStrategy.type === "RollingUpdate") {
    s.updateStrategy.rollingUpdate ??= {};
    s.updateStrategy.rollingUpdate.partition ??= 0;
  }
  s.persistentVolumeClaimRetentionPolicy ??= { whenDeleted: "Retain", whenScaled: "Retain" };
  if (Array.isArray(s.volumeClaimTemplates)) {
    for (const pvc of s.volumeClaimTemplates) {
      if (pvc && typeof pvc === "object") {
        pvc.apiVersion ??= "v1";
        pvc.kind ??= "PersistentVolumeClaim";
        defaultPvcSpec(pvc.spec);
        pvc.status ??= { phase: "Pending" };
      }
    }
  }
  defaultTemplate(obj);
}

export function defaultDaemonSet(obj: KubeObject): void {
  const s = (obj.spec ??= {});
  s.revisionHistoryLimit ??= 10;
  s.updateStrategy ??= {};
  s.updateStrategy.type ??= "RollingUpdate";
  if (s.updateStrategy.type === "RollingUpdate") {
    s.updateStrategy.rollingUpdate ??= {};
    s.updateStrategy.rollingUpdate.maxUnavailable ??= 1;
    s.updateStrategy.rollingUpdate.maxSurge ??= 0;
  }
  defaultTemplate(obj);
}

export function defaultJob(obj: KubeObject): void {
  const s = (obj.spec ??= {});
  // Both unset: one pod to completion. Parallelism alone means a work queue (completions stays unset).
  if (s.completions == null && s.parallelism == null) s.completions = 1;
  s.parallelism ??= 1;
  s.backoffLimit ??= 6;
  s.completionMode ??= "NonIndexed";
  s.suspend ??= false;
  s.podReplacementPolicy ??= "TerminatingOrFailed";
  // Without manualSelector, the Job selects its pods by its own uid (the storage assigns the uid
  // before defaulting), exactly like pkg/registry/batch/job's generateSelector.
  const uid = obj.metadata?.uid;
  if (uid && s.manualSelector !== true && !s.selector) {
    const labels = {
      "batch.kubernetes.io/controller-uid": uid,
      "batch.kubernetes.io/job-name": obj.metadata.name ?? "",
      "controller-uid": uid,
      "job-name": obj.metadata.name ?? "",
    };
    s.selector = { matchLabels: { "batch.kubernetes.io/controller-uid": uid } };
    s.template ??= {};
    s.template.metadata ??= {};
    s.template.metadata.labels = { ...labels, ...(s.template.metadata.labels ?? {}) };
  }
  defaultTemplate(obj);
}

export function defaultCronJob(obj: KubeObject): void {
  const s = (obj.spec ??= {});
  s.concurrencyPolicy ??= "Allow";
  s.suspend ??= false;
  s.successfulJobsHistoryLimit ??= 3;
  s.failedJobsHistoryLimit ??= 1;
  const jt = s.jobTemplate;
  if (jt && typeof jt === "object") {
    jt.spec ??= {};
    const fake = { apiVersion: "batch/v1", kind: "Job", metadata: {}, spec: jt.spec } as KubeObject;
    defaultJob(fake);
  }
}

export function defaultPvcSpec(spec: any): void {
  if (!spec || typeof spec !== "object") return;
  spec.volumeMode ??= "Filesystem";
}
