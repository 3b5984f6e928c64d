/**
 * Every controller the server runs, in one list. Adding a controller is one line here.
 */
import type { Controller } from "./framework/controller.ts";
import { NamespaceController } from "./namespace/controller.ts";
import { NodeIpamController } from "./node-ipam/controller.ts";
import { ReplicaSetController } from "./replicaset/controller.ts";
import { DeploymentController } from "./deployment/controller.ts";
import { GarbageCollector } from "./garbage-collector/controller.ts";
import { DaemonSetController } from "./daemonset/controller.ts";
import { StatefulSetController } from "./statefulset/controller.ts";
import { ResourceQuotaController } from "./resource-quota/controller.ts";
import { EndpointsController } from "./endpoints/controller.ts";
import { EndpointSliceController } from "./endpointslice/controller.ts";
import { ServiceAccountController } from "./serviceaccount/controller.ts";
import { JobController } from "./job/controller.ts";
import { TtlAfterFinishedController } from "./ttl-after-finished/controller.ts";
import { CronJobController } from "./cronjob/controller.ts";
import { DisruptionController } from "./disruption/controller.ts";
import { NodeLifecycleController } from "./node-lifecycle/controller.ts";
import { TaintEvictionController } from "./taint-eviction/controller.ts";
import { PodGarbageCollector } from "./pod-gc/controller.ts";
import { EventTtlController } from "./event-ttl/controller.ts";
import { PersistentVolumeController } from "./persistent-volume/controller.ts";
import { PvcProtectionController } from "./pvc-protection/controller.ts";
import { PvProtectionController } from "./pv-protection/controller.ts";
import { LocalPathProvisioner } from "./local-path/controller.ts";
import { ServiceLbController } from "./servicelb/controller.ts";
import { IngressStatusController } from "./ingress-status/controller.ts";

export function allControllers(): Controller[] {
  return [
    new NamespaceController(),
    new NodeIpamController(),
    new ReplicaSetController(),
    new DeploymentController(),
    new GarbageCollector(),
    new DaemonSetController(),
    new StatefulSetController(),
    new ResourceQuotaController(),
    new EndpointsController(),
    new EndpointSliceController(),
    new ServiceAccountController(),
    new JobController(),
    new TtlAfterFinishedController(),
    new CronJobController(),
    new DisruptionController(),
    new NodeLifecycleController(),
    new TaintEvictionController(),
    new PodGarbageCollector(),
    new EventTtlController(),
    new PersistentVolumeController(),
    new PvcProtectionController(),
    new PvProtectionController(),
    new LocalPathProvisioner(),
    new ServiceLbController(),
    new IngressStatusController(),
  ];
}
