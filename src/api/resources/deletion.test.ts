import { describe, expect, test } from "bun:test";
import type { KubeObject } from "../../model/object.ts";
import { namespaceDeletion, podDeletion } from "./deletion.ts";

const pod = (spec: Record<string, unknown>, phase?: string) =>
  ({ apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec, ...(phase ? { status: { phase } } : {}) }) as KubeObject;

describe("podDeletion.gracePeriod (CheckGracefulDelete)", () => {
  const grace = podDeletion.gracePeriod!;

  test("a pod no kubelet runs goes at once, whatever was asked", () => {
    expect(grace(pod({}), undefined)).toBe(0);
    expect(grace(pod({ terminationGracePeriodSeconds: 60 }), 45)).toBe(0);
  });

  test("a finished pod goes at once", () => {
    expect(grace(pod({ nodeName: "n1" }, "Succeeded"), 30)).toBe(0);
    expect(grace(pod({ nodeName: "n1" }, "Failed"), undefined)).toBe(0);
  });

  test("a running pod gets the request's grace, else its own, else 30 s", () => {
    expect(grace(pod({ nodeName: "n1", terminationGracePeriodSeconds: 60 }, "Running"), 5)).toBe(5);
    expect(grace(pod({ nodeName: "n1", terminationGracePeriodSeconds: 60 }, "Running"), 0)).toBe(0);
    expect(grace(pod({ nodeName: "n1", terminationGracePeriodSeconds: 60 }, "Running"), undefined)).toBe(60);
    expect(grace(pod({ nodeName: "n1" }, "Pending"), undefined)).toBe(30);
  });

  test("a stored grace that is not a number of seconds counts as none given (30 s), never NaN", () => {
    for (const bad of ["60", -5, 1.5, null]) expect(grace(pod({ nodeName: "n1", terminationGracePeriodSeconds: bad }, "Running"), undefined)).toBe(30);
  });
});

describe("namespaceDeletion", () => {
  const ns = (finalizers?: string[]) =>
    ({ apiVersion: "v1", kind: "Namespace", metadata: { name: "x" }, spec: finalizers ? { finalizers } : {}, status: { phase: "Active" } }) as KubeObject;

  test("held while spec.finalizers remain", () => {
    expect(namespaceDeletion.held!(ns(["kubernetes"]))).toBe(true);
    expect(namespaceDeletion.held!(ns([]))).toBe(false);
    expect(namespaceDeletion.held!(ns())).toBe(false);
  });

  test("marking it for deletion makes it Terminating, keeping the rest of its status", () => {
    const obj = ns(["kubernetes"]);
    obj.status.conditions = [{ type: "NamespaceDeletionContentFailure", status: "False" }];
    namespaceDeletion.markDeleting!(obj);
    expect(obj.status).toEqual({ phase: "Terminating", conditions: [{ type: "NamespaceDeletionContentFailure", status: "False" }] });
  });
});
