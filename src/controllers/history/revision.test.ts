import { describe, expect, test } from "bun:test";
import type { KubeObject } from "../../model/object.ts";
import { buildRevision, nextRevision, revisionName, revisionsToPrune, revisionTemplate, sameData, sortRevisions, templatePatch, REVISION_HASH_LABEL } from "./revision.ts";

const owner = (image: string): KubeObject => ({
  apiVersion: "apps/v1",
  kind: "StatefulSet",
  metadata: { name: "web", namespace: "default", uid: "u1" },
  spec: { template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "c", image }] } } },
});
const rev = (name: string, revision: number, created = "2024-01-01T00:00:00Z"): KubeObject =>
  ({ apiVersion: "apps/v1", kind: "ControllerRevision", metadata: { name, creationTimestamp: created }, revision } as KubeObject);

describe("revisions", () => {
  test("the data is a replace patch of the template, and reads back as the template", () => {
    const o = owner("nginx:1");
    const data = templatePatch(o);
    expect(data.spec.template.$patch).toBe("replace");
    expect(revisionTemplate({ ...rev("x", 1), data } as KubeObject)).toEqual(o.spec!.template);
  });

  test("a revision carries the template labels, the hash label and a controller reference", () => {
    const r = buildRevision(owner("nginx:1"), templatePatch(owner("nginx:1")), 3) as any;
    const hash = r.metadata.labels[REVISION_HASH_LABEL];
    expect(r.metadata.name).toBe(`web-${hash}`);
    expect(r.metadata.labels.app).toBe("web");
    expect(r.metadata.ownerReferences[0]).toMatchObject({ kind: "StatefulSet", uid: "u1", controller: true });
    expect(r.revision).toBe(3);
  });

  test.each([
    ["another template", owner("nginx:2"), 0, false],
    ["the same template", owner("nginx:1"), 0, true],
    ["a collision count", owner("nginx:1"), 1, false],
  ])("the name changes with %s", (_what, o, collisions, same) => {
    const a = buildRevision(owner("nginx:1"), templatePatch(owner("nginx:1")), 1);
    const b = buildRevision(o, templatePatch(o), 1, { collisionCount: collisions });
    expect(a.metadata.name === b.metadata.name).toBe(same);
  });

  test("data equality ignores key order", () => {
    expect(sameData({ ...rev("a", 1), data: { spec: { a: 1, b: 2 } } } as KubeObject, { spec: { b: 2, a: 1 } })).toBe(true);
    expect(sameData({ ...rev("a", 1), data: { spec: { a: 1 } } } as KubeObject, { spec: { a: 2 } })).toBe(false);
  });

  test.each([
    ["an empty history", [], 1],
    ["revisions 1, 4, 2", [rev("a", 1), rev("b", 4), rev("c", 2)], 5],
  ])("next revision after %s is %d", (_what, revs, want) => {
    expect(nextRevision(revs as KubeObject[])).toBe(want);
  });

  test("sorted by revision, then age, then name", () => {
    const sorted = sortRevisions([rev("c", 2), rev("b", 1, "2024-02-01T00:00:00Z"), rev("a", 1, "2024-02-01T00:00:00Z"), rev("z", 1)]);
    expect(sorted.map((r) => r.metadata.name)).toEqual(["z", "a", "b", "c"]);
  });

  test.each([
    ["within the limit", 3, ["r4"], []],
    ["oldest first beyond the limit", 1, ["r4"], ["r1", "r2"]],
    ["live revisions are never pruned nor counted", 1, ["r1", "r2", "r4"], []],
    ["a zero limit keeps only live ones", 0, ["r4"], ["r1", "r2", "r3"]],
    ["a negative limit keeps everything", -1, [], []],
  ])("prune: %s", (_what, limit, live, want) => {
    const revs = [rev("r3", 3), rev("r1", 1), rev("r4", 4), rev("r2", 2)];
    const pruned = revisionsToPrune(revs, new Set(live as string[]), limit);
    expect(pruned.map((r) => r.metadata.name)).toEqual(want as string[]);
  });

  test("long owner names are cut to leave room for the hash", () => {
    expect(revisionName("x".repeat(300), "abc")).toHaveLength(223 + 4);
  });
});
