import { describe, expect, test } from "bun:test";
import { scheduleOne, staticSnapshot } from "./schedule-one.ts";
import { podInfoOf } from "./pod-info.ts";
import { PROFILES } from "./plugins/index.ts";
import { makeNode, makePod, nodeInfos } from "../../test/helpers/scheduler-builders.ts";
import { fail, type Plugin, type Profile } from "./types.ts";

const decide = (pod: ReturnType<typeof makePod>, infos: ReturnType<typeof nodeInfos>, profile = "default", start = 0) =>
  scheduleOne(podInfoOf(pod.obj()), staticSnapshot(infos), PROFILES[profile]!, { start });

describe("scheduleOne", () => {
  const cluster = () => nodeInfos([makeNode("busy"), makeNode("idle")], [makePod("a").requests("1500m", "3Gi").on("busy")]);

  test.each([
    ["default", "idle"],
    ["binpack", "busy"],
  ])("profile %s places a small pod on %s", (profile, want) => {
    expect(decide(makePod().requests("250m", "256Mi"), cluster(), profile)).toMatchObject({ node: want });
  });

  test("nothing fits: reasons counted like FailedScheduling, with what preemption would say", () => {
    const infos = [...cluster(), ...nodeInfos([makeNode("tainted").taint("x")])];
    expect(decide(makePod().requests("3"), infos)).toMatchObject({
      unschedulable: "0/3 nodes are available: 1 node(s) had untolerated taint {x: }, 2 Insufficient cpu. preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.",
    });
  });

  test("ties break by node name", () => {
    expect(decide(makePod(), nodeInfos([makeNode("b"), makeNode("a")]))).toMatchObject({ node: "a" });
  });

  test("PreferNoSchedule weighs 3 against least-allocated's 1", () => {
    const infos = nodeInfos([makeNode("soft-tainted").taint("spot", "PreferNoSchedule"), makeNode("loaded")], [makePod("x").requests("1", "2Gi").on("loaded")]);
    expect(decide(makePod(), infos)).toMatchObject({ node: "loaded" });
  });

  test("with many nodes only a sample is evaluated, starting where asked", () => {
    const nodes = Array.from({ length: 500 }, (_, i) => makeNode(`n${String(i).padStart(3, "0")}`));
    const d = decide(makePod(), nodeInfos(nodes), "default", 450);
    // 500 nodes: 50 − 500/125 = 46% → 230 feasible nodes to find.
    expect(d).toMatchObject({ evaluated: 230, feasible: 230 });
  });

  test("unschedulable pods are diagnosed over every node", () => {
    const nodes = Array.from({ length: 200 }, (_, i) => makeNode(`n${i}`).taint("t"));
    expect(decide(makePod(), nodeInfos(nodes))).toMatchObject({ evaluated: 200 });
  });
});

test("a PreFilter rejection speaks for every node", () => {
  const rejecting: Plugin = { name: "Gate", preFilter: () => fail("pod has unbound immediate PersistentVolumeClaims", true) };
  const profile: Profile = { ...PROFILES.default!, filters: [rejecting, ...PROFILES.default!.filters] };
  expect(scheduleOne(podInfoOf(makePod().obj()), staticSnapshot(nodeInfos([makeNode("a"), makeNode("b")])), profile)).toMatchObject({
    unschedulable: "0/2 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.",
  });
});
