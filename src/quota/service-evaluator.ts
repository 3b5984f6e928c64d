/**
 * Quota for Services (kubernetes pkg/quota/v1/evaluator/core/services.go): one object, and
 * for NodePort and LoadBalancer Services the node ports they take (every port, unless a
 * LoadBalancer opted out of node port allocation) and the load balancer itself.
 */
import type { KubeObject } from "../model/object.ts";
import { Quantity } from "../model/quantity.ts";
import { ONE, objectCountName } from "./object-count.ts";
import type { ResourceList } from "./resource-list.ts";
import type { UsageEvaluator } from "./types.ts";

const SERVICE_RESOURCES = new Set([objectCountName("", "services"), "services", "services.nodeports", "services.loadbalancers"]);

export class ServiceEvaluator implements UsageEvaluator {
  readonly group = "";
  readonly plural = "services";

  matchingResources(names: Iterable<string>): string[] {
    return [...names].filter((n) => SERVICE_RESOURCES.has(n));
  }

  usage(svc: KubeObject): ResourceList {
    const ports: any[] = Array.isArray(svc.spec?.ports) ? svc.spec.ports : [];
    let nodePorts = 0;
    let balancers = 0;
    if (svc.spec?.type === "NodePort") nodePorts = ports.length;
    if (svc.spec?.type === "LoadBalancer") {
      nodePorts = svc.spec?.allocateLoadBalancerNodePorts === false ? ports.filter((p) => p?.nodePort).length : ports.length;
      balancers = 1;
    }
    return new Map([
      [objectCountName("", "services"), ONE],
      ["services", ONE],
      ["services.nodeports", Quantity.fromValue(nodePorts)],
      ["services.loadbalancers", Quantity.fromValue(balancers)],
    ]);
  }

  constraints(): undefined {
    return undefined;
  }

  matchesScope(): boolean {
    return false;
  }
}
