import { expect, test } from "bun:test";
import type { KubeObject } from "../../../model/object.ts";
import { validateStatefulSet } from "./index.ts";

const sts = (mounts: string[], claims: string[]): KubeObject => ({
  apiVersion: "apps/v1", kind: "StatefulSet", metadata: { name: "db" },
  spec: {
    selector: { matchLabels: { app: "db" } },
    template: { metadata: { labels: { app: "db" } }, spec: { containers: [{ name: "c", image: "i", volumeMounts: mounts.map((n) => ({ name: n, mountPath: `/${n}` })) }] } },
    volumeClaimTemplates: claims.map((n) => ({ metadata: { name: n }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } } })),
  },
});

test("volumeMounts may name the set's volumeClaimTemplates", () => {
  expect(validateStatefulSet(sts(["data"], ["data"]))).toEqual([]);
  expect(validateStatefulSet(sts(["data"], []))).toEqual([expect.objectContaining({ field: "spec.template.spec.containers[0].volumeMounts[0].name", message: 'Not found: "data"' })]);
});
