import { describe, expect, test } from "bun:test";
import { generateDefs, type Gvk } from "./gen-openapi.ts";

// Kinds the design says k3rs serves next: the generator must place them in Kubernetes'
// packages without a table, and must not fail the build for a kind client-node lacks.
const planned: Gvk[] = [
  ["rbac.authorization.k8s.io", "v1", "Role"], ["rbac.authorization.k8s.io", "v1", "ClusterRoleBinding"],
  ["autoscaling", "v2", "HorizontalPodAutoscaler"], ["discovery.k8s.io", "v1", "EndpointSlice"],
  ["policy", "v1", "PodDisruptionBudget"], ["networking.k8s.io", "v1", "NetworkPolicy"],
  ["events.k8s.io", "v1", "Event"], ["", "v1", "Event"],
  ["metrics.k8s.io", "v1beta1", "NodeMetrics"],
  // No model anywhere: reported, not fatal.
  ["widgets.example.com", "v1", "Widget"],
];

describe("generateDefs", () => {
  const { defs, missing } = generateDefs(planned);

  test.each([
    ["rbac.authorization.k8s.io/v1/Role", "io.k8s.api.rbac.v1.Role"],
    ["rbac.authorization.k8s.io/v1/ClusterRoleBinding", "io.k8s.api.rbac.v1.ClusterRoleBinding"],
    ["autoscaling/v2/HorizontalPodAutoscaler", "io.k8s.api.autoscaling.v2.HorizontalPodAutoscaler"],
    ["discovery.k8s.io/v1/EndpointSlice", "io.k8s.api.discovery.v1.EndpointSlice"],
    ["policy/v1/PodDisruptionBudget", "io.k8s.api.policy.v1.PodDisruptionBudget"],
    ["networking.k8s.io/v1/NetworkPolicy", "io.k8s.api.networking.v1.NetworkPolicy"],
    ["events.k8s.io/v1/Event", "io.k8s.api.events.v1.Event"],
    ["/v1/Event", "io.k8s.api.core.v1.Event"],
    ["autoscaling/v1/Scale", "io.k8s.api.autoscaling.v1.Scale"],
  ])("%s → %s", (key, name) => {
    expect(defs.kinds[key]).toBe(name);
    expect(defs.definitions[name]!["x-kubernetes-group-version-kind"]).toHaveLength(1);
  });

  test("nested types land in their own group's package", () => {
    expect(defs.definitions["io.k8s.api.rbac.v1.PolicyRule"]).toBeDefined();
    expect(defs.definitions["io.k8s.api.autoscaling.v2.MetricSpec"]).toBeDefined();
    expect(defs.definitions["io.k8s.api.core.v1.ObjectReference"]).toBeDefined();
    expect(Object.keys(defs.definitions).filter((n) => /\.rbac\.v1\.(PodSpec|ObjectMeta)$/.test(n))).toEqual([]);
  });

  test("a kind without a model is reported, not fatal; metrics.k8s.io has its own definitions", () => {
    expect(missing).toEqual(["widgets.example.com/v1 Widget"]);
    expect(defs.kinds["metrics.k8s.io/v1beta1/NodeMetrics"]).toBeDefined();
  });

  test("is deterministic", () => expect(generateDefs(planned).defs.hash).toBe(defs.hash));
});
