import { expect, test } from "bun:test";
import type { KubeObject } from "../../model/object.ts";
import { formatHPAMetrics, horizontalPodAutoscalerPrinter } from "./autoscaling.ts";

const cpu = (util?: number) => ({ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: util } } });

test.each<[string, any[], any[], string]>([
  ["no metrics", [], [], "<none>"],
  ["utilization not yet measured", [cpu(80)], [], "cpu: <unknown>/80%"],
  ["utilization measured", [cpu(80)], [{ type: "Resource", resource: { name: "cpu", current: { averageUtilization: 23 } } }], "cpu: 23%/80%"],
  ["average value", [{ type: "Resource", resource: { name: "memory", target: { type: "AverageValue", averageValue: "500Mi" } } }], [], "memory: <unknown>/500Mi"],
  ["pods metric", [{ type: "Pods", pods: { target: { averageValue: "1k" } } }], [{ type: "Pods", pods: { current: { averageValue: "300" } } }], "300/1k"],
  ["more than two", [cpu(80), cpu(70), cpu(60)], [], "cpu: <unknown>/80%, cpu: <unknown>/70% + 1 more..."],
])("%s", (_n, specs, statuses, want) => {
  expect(formatHPAMetrics(specs, statuses)).toBe(want);
});

test("hpa cells", () => {
  const hpa: KubeObject = {
    apiVersion: "autoscaling/v2",
    kind: "HorizontalPodAutoscaler",
    metadata: { name: "web", namespace: "default", creationTimestamp: "2024-05-01T11:00:00Z" },
    spec: { scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "web" }, minReplicas: 1, maxReplicas: 5, metrics: [cpu(50)] },
    status: { currentReplicas: 2 },
  };
  expect(horizontalPodAutoscalerPrinter.cells(hpa, new Date("2024-05-01T12:00:00Z"))).toEqual(["web", "Deployment/web", "cpu: <unknown>/50%", "1", 5, 2, "60m"]);
});
