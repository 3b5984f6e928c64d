import { expect, test } from "bun:test";
import { rejectedStatus } from "./rejection.ts";

test("the refusal reads like the kubelet's admission refusal", () => {
  expect(rejectedStatus("spec.containers: Required value")).toEqual({ phase: "Failed", reason: "UnreadablePodSpec", message: "Pod was rejected: spec.containers: Required value" });
});
