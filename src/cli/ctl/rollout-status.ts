/**
 * kubectl's rollout status viewers, as pure functions of the object: the line it prints and
 * whether the rollout is done (a thrown Error is kubectl's `error: …`).
 */

export interface RolloutStatus {
  message: string;
  done: boolean;
}

export function rolloutStatus(obj: any, revision = 0): RolloutStatus {
  switch (obj.kind) {
    case "Deployment":
      return deploymentStatus(obj, revision);
    case "DaemonSet":
      return daemonSetStatus(obj);
    case "StatefulSet":
      return statefulSetStatus(obj);
    default:
      throw new Error(`no status viewer has been implemented for ${obj.kind}`);
  }
}

function deploymentStatus(d: any, revision: number): RolloutStatus {
  const name = d.metadata?.name;
  const st = d.status ?? {};
  if (revision > 0) {
    const current = Number(d.metadata?.annotations?.["deployment.kubernetes.io/revision"] ?? 0);
    if (revision !== current) throw new Error(`desired revision (${revision}) is different from the running revision (${current})`);
  }
  if ((d.metadata?.generation ?? 0) <= (st.observedGeneration ?? 0)) {
    const progressing = (st.conditions ?? []).find((c: any) => c.type === "Progressing");
    if (progressing?.reason === "ProgressDeadlineExceeded") throw new Error(`deployment "${name}" exceeded its progress deadline`);
    const want = d.spec?.replicas;
    const updated = st.updatedReplicas ?? 0;
    if (want !== undefined && updated < want) return { message: `Waiting for deployment "${name}" rollout to finish: ${updated} out of ${want} new replicas have been updated...\n`, done: false };
    if ((st.replicas ?? 0) > updated) return { message: `Waiting for deployment "${name}" rollout to finish: ${(st.replicas ?? 0) - updated} old replicas are pending termination...\n`, done: false };
    if ((st.availableReplicas ?? 0) < updated) return { message: `Waiting for deployment "${name}" rollout to finish: ${st.availableReplicas ?? 0} of ${updated} updated replicas are available...\n`, done: false };
    return { message: `deployment "${name}" successfully rolled out\n`, done: true };
  }
  return { message: "Waiting for deployment spec update to be observed...\n", done: false };
}

function daemonSetStatus(ds: any): RolloutStatus {
  const name = ds.metadata?.name;
  const st = ds.status ?? {};
  if ((ds.spec?.updateStrategy?.type ?? "RollingUpdate") !== "RollingUpdate") throw new Error("rollout status is only available for RollingUpdate strategy type");
  if ((ds.metadata?.generation ?? 0) <= (st.observedGeneration ?? 0)) {
    const desired = st.desiredNumberScheduled ?? 0;
    if ((st.updatedNumberScheduled ?? 0) < desired) return { message: `Waiting for daemon set "${name}" rollout to finish: ${st.updatedNumberScheduled ?? 0} out of ${desired} new pods have been updated...\n`, done: false };
    if ((st.numberAvailable ?? 0) < desired) return { message: `Waiting for daemon set "${name}" rollout to finish: ${st.numberAvailable ?? 0} of ${desired} updated pods are available...\n`, done: false };
    return { message: `daemon set "${name}" successfully rolled out\n`, done: true };
  }
  return { message: "Waiting for daemon set spec update to be observed...\n", done: false };
}

function statefulSetStatus(sts: any): RolloutStatus {
  const st = sts.status ?? {};
  const strategy = sts.spec?.updateStrategy ?? { type: "RollingUpdate" };
  if ((strategy.type ?? "RollingUpdate") !== "RollingUpdate") throw new Error("rollout status is only available for RollingUpdate strategy type");
  if (!st.observedGeneration || (sts.metadata?.generation ?? 0) > st.observedGeneration) return { message: "Waiting for statefulset spec update to be observed...\n", done: false };
  const replicas = sts.spec?.replicas;
  if (replicas !== undefined && (st.readyReplicas ?? 0) < replicas) return { message: `Waiting for ${replicas - (st.readyReplicas ?? 0)} pods to be ready...\n`, done: false };
  if (strategy.rollingUpdate) {
    const partition = strategy.rollingUpdate.partition;
    if (replicas !== undefined && partition !== undefined && (st.updatedReplicas ?? 0) < replicas - partition) {
      return { message: `Waiting for partitioned roll out to finish: ${st.updatedReplicas ?? 0} out of ${replicas - partition} new pods have been updated...\n`, done: false };
    }
    return { message: `partitioned roll out complete: ${st.updatedReplicas ?? 0} new pods have been updated...\n`, done: true };
  }
  if (st.updateRevision !== st.currentRevision) return { message: `waiting for statefulset rolling update to complete ${st.updatedReplicas ?? 0} pods at revision ${st.updateRevision}...\n`, done: false };
  return { message: `statefulset rolling update complete ${st.currentReplicas ?? 0} pods at revision ${st.currentRevision}...\n`, done: true };
}
