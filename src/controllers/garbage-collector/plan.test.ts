import { expect, test } from "bun:test";
import type { KubeObject } from "../../model/object.ts";
import { blockingDependents } from "./plan.ts";

const dependent = (name: string, ownerReferences: unknown) => ({ metadata: { name, ownerReferences } }) as unknown as KubeObject;
const ref = { apiVersion: "apps/v1", kind: "ReplicaSet", name: "rs", uid: "o1", blockOwnerDeletion: true };

test("dependents stored with ownerReferences that cannot be read block nothing, and never fail the owner's foreground deletion", () => {
  const deps = [dependent("good", [ref]), dependent("string", "garbage"), dependent("number", 5), dependent("nulls", [null, { uid: "o1" }])];
  expect(blockingDependents("o1", deps).map((d) => d.metadata.name)).toEqual(["good"]);
});
