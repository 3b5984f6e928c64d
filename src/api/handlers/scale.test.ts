import { expect, test } from "bun:test";
import type { KubeObject } from "../../model/object.ts";
import { builtinResources } from "../resources/builtin.ts";
import { getScale } from "./scale.ts";

const deployments = builtinResources.find((d) => d.kind === "Deployment")!;
const deployment = (selector: unknown) => ({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "d", namespace: "ns" }, spec: { replicas: 2, selector }, status: { replicas: 2 } }) as KubeObject;

test("a stored selector that cannot be read is left out of the Scale instead of failing the read", () => {
  for (const bad of [{ matchLabels: 5 }, "garbage", { matchExpressions: [{ key: "a", operator: "Sometimes" }] }]) {
    const scale = getScale(deployments, deployment(bad));
    expect(scale.spec).toEqual({ replicas: 2 });
    expect(scale.status).toEqual({ replicas: 2 });
  }
  expect(getScale(deployments, deployment({ matchLabels: { app: "web" } })).status.selector).toBe("app=web");
});
