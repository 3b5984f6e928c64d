import { describe, expect, test } from "bun:test";
import { podInfoOf, podRequests } from "./pod-info.ts";
import { makePod } from "../../test/helpers/scheduler-builders.ts";

describe("requests", () => {
  const Mi = 1024 * 1024;
  test.each([
    ["containers add up; the largest init container counts when bigger", (s: any) => {
      s.containers = [{ name: "a", image: "i", resources: { requests: { cpu: "100m", memory: "64Mi" } } }, { name: "b", image: "i", resources: { requests: { cpu: "200m" } } }];
      s.initContainers = [{ name: "init", image: "i", resources: { requests: { cpu: "1", memory: "32Mi" } } }];
    }, { cpu: 1000, memory: 64 * Mi, nzCpu: 1000, nzMemory: 264 * Mi }],
    ["nothing requested: zero, scoring assumes 100m / 200Mi", () => {}, { cpu: 0, memory: 0, nzCpu: 100, nzMemory: 200 * Mi }],
    ["overhead is added", (s: any) => {
      s.containers[0].resources = { requests: { cpu: "250m", memory: "1Gi" } };
      s.overhead = { cpu: "50m", memory: "10Mi" };
    }, { cpu: 300, memory: 1034 * Mi, nzCpu: 300, nzMemory: 1034 * Mi }],
  ])("%s", (_n, f, want) => {
    expect(podRequests(makePod().set(f).obj())).toEqual(want);
  });
});

describe("affinity terms", () => {
  test("terms compile with own namespace by default, matchLabelKeys folded in", () => {
    const pod = makePod("p", "team").labels({ app: "web", rev: "7" }).set((s) => {
      s.affinity = { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [
        { labelSelector: { matchLabels: { app: "web" } }, matchLabelKeys: ["rev"], topologyKey: "kubernetes.io/hostname" },
      ] } };
    }).obj();
    const info = podInfoOf(pod);
    expect(info.requiredAntiAffinity).toHaveLength(1);
    const t = info.requiredAntiAffinity[0]!;
    expect([...t.namespaces]).toEqual(["team"]);
    expect(t.selector.reqs.map((r) => `${r.key} ${r.operator} ${r.values}`)).toEqual(["app = web", "rev in 7"]);
  });
});
