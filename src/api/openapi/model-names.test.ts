import { describe, expect, test } from "bun:test";
import { definitionName, groupPackage, parseClassName } from "./model-names.ts";
import { definitionFor, openapiDefs } from "./defs.ts";

describe("parseClassName", () => {
  test.each([
    ["V1PodSpec", { prefix: undefined, version: "v1", name: "PodSpec" }],
    ["CoreV1Event", { prefix: "Core", version: "v1", name: "Event" }],
    ["V2HorizontalPodAutoscaler", { prefix: undefined, version: "v2", name: "HorizontalPodAutoscaler" }],
    ["V1beta1CSIStorageCapacity", { prefix: undefined, version: "v1beta1", name: "CSIStorageCapacity" }],
    ["V1APIResourceList", { prefix: undefined, version: "v1", name: "APIResourceList" }],
  ])("%s", (cls, want) => expect(parseClassName(cls)).toEqual(want));

  test.each(["IntOrString", "Date", "string"])("%s is no model class", (cls) => expect(parseClassName(cls)).toBeUndefined());
});

describe("definitionName", () => {
  test.each([
    ["V1PodSpec", "", "io.k8s.api.core.v1.PodSpec"],
    ["V1Deployment", "apps", "io.k8s.api.apps.v1.Deployment"],
    ["V1Lease", "coordination.k8s.io", "io.k8s.api.coordination.v1.Lease"],
    ["V1Ingress", "networking.k8s.io", "io.k8s.api.networking.v1.Ingress"],
    ["V1ObjectMeta", "", "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"],
    ["V1CustomResourceDefinition", "apiextensions.k8s.io", "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition"],
  ])("%s in %p → %s", (cls, group, want) => expect(definitionName(cls, group)).toBe(want));

  test("rbac's package is its first label", () => expect(groupPackage("rbac.authorization.k8s.io")).toBe("io.k8s.api.rbac"));
});

// The generator resolves each model's group from the API classes; these are the cases a
// class name alone gets wrong.
describe("generated definitions land in Kubernetes' packages", () => {
  const defs = openapiDefs().definitions;
  test.each([
    "io.k8s.api.core.v1.PodTemplateSpec", // used by apps and batch, defined in core
    "io.k8s.api.core.v1.PersistentVolumeClaim", // StatefulSet volumeClaimTemplates
    "io.k8s.api.apps.v1.RollingUpdateDeployment",
    "io.k8s.api.batch.v1.JobTemplateSpec",
    "io.k8s.api.networking.v1.ServiceBackendPort",
    "io.k8s.api.autoscaling.v1.Scale", // returned by apps' deployments/scale
    "io.k8s.api.policy.v1.Eviction",
    "io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector",
    "io.k8s.apimachinery.pkg.util.intstr.IntOrString",
    "io.k8s.apimachinery.pkg.api.resource.Quantity",
  ])("%s", (name) => expect(defs[name]).toBeDefined());

  test.each([
    ["", "v1", "Pod", "io.k8s.api.core.v1.Pod"],
    ["", "v1", "Event", "io.k8s.api.core.v1.Event"],
    ["apps", "v1", "Deployment", "io.k8s.api.apps.v1.Deployment"],
    ["batch", "v1", "CronJob", "io.k8s.api.batch.v1.CronJob"],
    ["autoscaling", "v1", "Scale", "io.k8s.api.autoscaling.v1.Scale"],
    ["", "v1", "Status", "io.k8s.apimachinery.pkg.apis.meta.v1.Status"],
  ])("kind %p/%s %s → %s", (g, v, k, want) => expect(definitionFor(g, v, k)).toBe(want));

  test("top-level kinds carry their GVK, nested types do not", () => {
    expect(defs["io.k8s.api.apps.v1.Deployment"]!["x-kubernetes-group-version-kind"]).toEqual([{ group: "apps", kind: "Deployment", version: "v1" }]);
    expect(defs["io.k8s.api.apps.v1.DeploymentSpec"]!["x-kubernetes-group-version-kind"]).toBeUndefined();
  });

  test("required fields and descriptions come from the models", () => {
    const container = defs["io.k8s.api.core.v1.Container"]!;
    expect(container.required).toEqual(["name"]);
    expect(container.properties!.image!.description).toContain("Container image name");
  });

  // kubectl explain prints the field's description, then its type's: a field must have its own.
  test.each([
    ["io.k8s.api.apps.v1.DeploymentSpec", "template", "Template describes the pods that will be created."],
    ["io.k8s.api.apps.v1.DeploymentSpec", "selector", "Label selector for pods."],
    ["io.k8s.api.core.v1.Container", "resources", "Compute Resources required by this container."],
    ["io.k8s.api.core.v1.ServicePort", "targetPort", "Number or name of the port to access on the pods"],
    ["io.k8s.api.core.v1.Volume", "configMap", "configMap represents a configMap"],
    ["io.k8s.api.apps.v1.Deployment", "spec", "Specification of the desired behavior of the Deployment."],
  ])("%s.%s has Kubernetes' own description", (def, field, start) => {
    expect(defs[def]!.properties![field]!.description).toStartWith(start);
  });

  test("descriptions carry no string escapes of the models' source", () => {
    const args = defs["io.k8s.api.core.v1.Container"]!.properties!.args!.description!;
    expect(args).toContain("The container image's CMD");
    expect(args).toContain('i.e. "$$(VAR_NAME)" will');
  });

  test("quantities and int-or-strings are typed as Kubernetes types them", () => {
    expect(defs["io.k8s.api.core.v1.ResourceRequirements"]!.properties!.limits!.additionalProperties).toEqual({ $ref: "io.k8s.apimachinery.pkg.api.resource.Quantity" });
    expect(defs["io.k8s.api.core.v1.ServicePort"]!.properties!.targetPort!.$ref).toBe("io.k8s.apimachinery.pkg.util.intstr.IntOrString");
  });
});
