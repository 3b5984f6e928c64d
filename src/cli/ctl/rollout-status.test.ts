import { expect, test } from "bun:test";
import { rolloutStatus } from "./rollout-status.ts";

const deploy = (spec: number, st: Record<string, number>, gen = 1, observed = 1, conditions: object[] = []) => ({
  kind: "Deployment", metadata: { name: "web", generation: gen }, spec: { replicas: spec }, status: { observedGeneration: observed, conditions, ...st },
});

test.each([
  [deploy(3, { updatedReplicas: 1, replicas: 3 }), 'Waiting for deployment "web" rollout to finish: 1 out of 3 new replicas have been updated...\n', false],
  [deploy(3, { updatedReplicas: 3, replicas: 4 }), 'Waiting for deployment "web" rollout to finish: 1 old replicas are pending termination...\n', false],
  [deploy(3, { updatedReplicas: 3, replicas: 3, availableReplicas: 2 }), 'Waiting for deployment "web" rollout to finish: 2 of 3 updated replicas are available...\n', false],
  [deploy(3, { updatedReplicas: 3, replicas: 3, availableReplicas: 3 }), 'deployment "web" successfully rolled out\n', true],
  [deploy(3, {}, 2, 1), "Waiting for deployment spec update to be observed...\n", false],
])("deployment: %#", (obj, message, done) => {
  expect(rolloutStatus(obj)).toEqual({ message, done });
});

test("a deployment past its deadline, a kind without a viewer", () => {
  expect(() => rolloutStatus(deploy(1, {}, 1, 1, [{ type: "Progressing", reason: "ProgressDeadlineExceeded" }]))).toThrow('deployment "web" exceeded its progress deadline');
  expect(() => rolloutStatus({ kind: "ConfigMap" })).toThrow("no status viewer has been implemented for ConfigMap");
});

test("daemon sets and stateful sets", () => {
  const ds = { kind: "DaemonSet", metadata: { name: "d", generation: 1 }, spec: {}, status: { observedGeneration: 1, desiredNumberScheduled: 2, updatedNumberScheduled: 2, numberAvailable: 1 } };
  expect(rolloutStatus(ds).message).toBe('Waiting for daemon set "d" rollout to finish: 1 of 2 updated pods are available...\n');
  const sts = { kind: "StatefulSet", metadata: { name: "s", generation: 1 }, spec: { replicas: 2, updateStrategy: { type: "RollingUpdate", rollingUpdate: { partition: 0 } } }, status: { observedGeneration: 1, readyReplicas: 2, updatedReplicas: 2 } };
  expect(rolloutStatus(sts)).toEqual({ message: "partitioned roll out complete: 2 new pods have been updated...\n", done: true });
});
