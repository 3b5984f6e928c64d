import { describe, expect, test } from "bun:test";
import { evaluatorFor, kindForResourceName } from "./registry.ts";

describe("kindForResourceName", () => {
  test.each([
    ["pods", "", "pods"],
    ["count/pods", "", "pods"],
    ["requests.cpu", "", "pods"],
    ["limits.memory", "", "pods"],
    ["cpu", "", "pods"],
    ["requests.example.com/gpu", "", "pods"],
    ["services", "", "services"],
    ["services.nodeports", "", "services"],
    ["requests.storage", "", "persistentvolumeclaims"],
    ["gold.storageclass.storage.k8s.io/requests.storage", "", "persistentvolumeclaims"],
    ["configmaps", "", "configmaps"],
    ["secrets", "", "secrets"],
    ["resourcequotas", "", "resourcequotas"],
    ["count/deployments.apps", "apps", "deployments"],
    ["count/ingresses.networking.k8s.io", "networking.k8s.io", "ingresses"],
  ])("%s → %s/%s", (name, group, plural) => {
    expect(kindForResourceName(name)).toEqual({ group, plural });
  });

  test("names no kind uses", () => {
    expect(kindForResourceName("bananas")).toBeUndefined();
  });
});

describe("evaluatorFor", () => {
  test("any kind is object-counted; legacy kinds also by bare name; events never", () => {
    expect(evaluatorFor("apps", "deployments")!.matchingResources(["count/deployments.apps", "deployments", "pods"])).toEqual(["count/deployments.apps"]);
    expect(evaluatorFor("", "configmaps")!.matchingResources(["configmaps", "count/configmaps", "secrets"])).toEqual(["configmaps", "count/configmaps"]);
    expect(evaluatorFor("", "events")).toBeUndefined();
  });
});
