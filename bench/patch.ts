/**
 * Patch engine benchmark: the worst cases a single PATCH request of at most 3 MiB can ask of
 * the strategic, merge and JSON patch engines (issue 17: a 40,000-finalizer strategic patch
 * froze the server for 10–16 s). Every case runs through `applyPatch` with the OpenAPI patch
 * schemas the server uses. Prints the time of each case, or the Status it was refused with;
 * no thresholds.
 *
 *   bun bench/patch.ts [case-name-substring]
 */
import { applyPatch, JSON_PATCH, MERGE_PATCH, STRATEGIC_MERGE_PATCH } from "../src/api/patch/index.ts";
import { patchSchemaFor } from "../src/api/openapi/index.ts";
import { StatusError } from "../src/model/errors.ts";

const only = process.argv[2];
const podSchema = patchSchemaFor("", "v1", "Pod");
const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const pod = (extra: { finalizers?: string[]; containers?: object[]; labels?: Record<string, string> } = {}) => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "p", namespace: "default", finalizers: extra.finalizers, labels: extra.labels ?? { app: "web" } },
  spec: { containers: extra.containers ?? [{ name: "app", image: "app:1" }] },
});
const names = (n: number, prefix: string) => range(n).map((i) => `${prefix}${i}`);
const containers = (n: number, image: string) => range(n).map((i) => ({ name: `c${i}`, image, env: [{ name: "A", value: "1" }] }));

interface Case {
  name: string;
  contentType: string;
  original: () => object;
  patch: () => unknown;
}

const cases: Case[] = [
  {
    name: "smp: add 40,000 finalizers to none",
    contentType: STRATEGIC_MERGE_PATCH,
    original: () => pod(),
    patch: () => ({ metadata: { finalizers: names(40_000, "example.com/f") } }),
  },
  {
    name: "smp: 40,000 finalizers onto 40,000 ($setElementOrder, half new)",
    contentType: STRATEGIC_MERGE_PATCH,
    original: () => pod({ finalizers: names(40_000, "example.com/f") }),
    patch: () => {
      const all = [...names(20_000, "example.com/f"), ...names(20_000, "example.com/g")];
      return { metadata: { "$setElementOrder/finalizers": all, finalizers: names(20_000, "example.com/g") } };
    },
  },
  {
    name: "smp: $deleteFromPrimitiveList 40,000 of 40,000",
    contentType: STRATEGIC_MERGE_PATCH,
    original: () => pod({ finalizers: names(40_000, "example.com/f") }),
    patch: () => ({ metadata: { "$deleteFromPrimitiveList/finalizers": names(40_000, "example.com/f") } }),
  },
  {
    name: "smp: 10,000 containers by name onto 10,000 (reversed order)",
    contentType: STRATEGIC_MERGE_PATCH,
    original: () => pod({ containers: containers(10_000, "a:1") }),
    patch: () => ({
      spec: {
        "$setElementOrder/containers": range(10_000).reverse().map((i) => ({ name: `c${i}` })),
        containers: range(10_000).reverse().map((i) => ({ name: `c${i}`, image: "a:2" })),
      },
    }),
  },
  {
    name: "smp: delete 10,000 containers by name ($patch: delete)",
    contentType: STRATEGIC_MERGE_PATCH,
    original: () => pod({ containers: containers(10_000, "a:1") }),
    patch: () => ({ spec: { containers: range(10_000).map((i) => ({ name: `c${i}`, $patch: "delete" })) } }),
  },
  {
    name: "smp: $retainKeys of 100,000 keys",
    contentType: STRATEGIC_MERGE_PATCH,
    original: () => ({ ...pod(), spec: { strategy: Object.fromEntries(names(100_000, "k").map((k) => [k, 1])) } }),
    patch: () => ({ spec: { strategy: { $retainKeys: names(100_000, "k"), k1: 2 } } }),
  },
  {
    name: "merge: 100,000-key labels onto 100,000",
    contentType: MERGE_PATCH,
    original: () => pod({ labels: Object.fromEntries(names(100_000, "k").map((k) => [k, "v"])) }),
    patch: () => ({ metadata: { labels: Object.fromEntries(names(100_000, "k").map((k) => [k, "w"])) } }),
  },
  {
    name: "json: 10,000 appends to finalizers",
    contentType: JSON_PATCH,
    original: () => pod({ finalizers: [] }),
    patch: () => range(10_000).map((i) => ({ op: "add", path: "/metadata/finalizers/-", value: `f${i}` })),
  },
  {
    name: "json: 10,000 passing tests on a 100,000-key map",
    contentType: JSON_PATCH,
    original: () => pod({ labels: Object.fromEntries(names(100_000, "k").map((k) => [k, "v"])) }),
    patch: () => range(10_000).map((i) => ({ op: "test", path: `/metadata/labels/k${i}`, value: "v" })),
  },
  {
    name: "json: 10,000 inserts at the front of a 100,000-element list",
    contentType: JSON_PATCH,
    original: () => pod({ finalizers: names(100_000, "f") }),
    patch: () => range(10_000).map((i) => ({ op: "add", path: "/metadata/finalizers/0", value: `g${i}` })),
  },
  {
    name: "json: copy doubling (16 copies of /spec)",
    contentType: JSON_PATCH,
    original: () => pod({ containers: containers(10, "a:1") }),
    patch: () => [
      { op: "add", path: "/spec/x", value: [] },
      ...range(16).map(() => ({ op: "copy", from: "/spec", path: "/spec/x/-" })),
    ],
  },
  {
    name: "json: 10,000 moves of a 10,000-element list",
    contentType: JSON_PATCH,
    original: () => pod({ finalizers: names(10_000, "example.com/f") }),
    patch: () => range(10_000).map((i) => ({ op: "move", from: i % 2 ? "/spec/f" : "/metadata/finalizers", path: i % 2 ? "/metadata/finalizers" : "/spec/f" })),
  },
  {
    name: "merge: a label onto an object stored 20,000 deep",
    contentType: MERGE_PATCH,
    original: () => {
      const deep: Record<string, unknown> = {};
      let at = deep;
      for (let i = 0; i < 20_000; i++) at = (at.a = {}) as Record<string, unknown>;
      return { ...pod(), spec: deep };
    },
    patch: () => ({ metadata: { labels: { b: "1" } } }),
  },
  {
    name: "merge: prune an object stored 20,000 deep",
    contentType: MERGE_PATCH,
    original: () => {
      const deep: Record<string, unknown> = {};
      let at = deep;
      for (let i = 0; i < 20_000; i++) at = (at.a = {}) as Record<string, unknown>;
      return { ...pod(), spec: deep };
    },
    patch: () => ({ spec: { a: null } }),
  },
  {
    name: "json: copy a subtree into itself 1,000 times",
    contentType: JSON_PATCH,
    original: () => ({ ...pod(), spec: { a: {} } }),
    patch: () => range(1_000).map((i) => ({ op: "copy", from: "/spec/a", path: "/spec/a" + "/a".repeat(i) + "/a" })),
  },
  {
    name: "json: nest 10,000 deep by adding 98-deep values",
    contentType: JSON_PATCH,
    original: () => ({ ...pod(), spec: {} }),
    patch: () => {
      const chain = (n: number): unknown => (n === 0 ? {} : { a: chain(n - 1) });
      return range(102).map((i) => ({ op: "add", path: "/spec" + "/a".repeat(98 * i) + "/a", value: chain(97) }));
    },
  },
];

for (const c of cases) {
  if (only && !c.name.includes(only)) continue;
  const original = c.original();
  const body = JSON.stringify(c.patch());
  const t0 = performance.now();
  let outcome: string;
  try {
    const out = applyPatch(c.contentType, original, body, podSchema);
    outcome = `ok, result ${(JSON.stringify(out).length / 1e6).toFixed(1)} MB`;
  } catch (e) {
    if (!(e instanceof StatusError)) throw e;
    outcome = `refused ${e.code}: ${(e.details?.causes?.[0]?.message ?? e.message).slice(0, 100)}`;
  }
  const ms = performance.now() - t0;
  const rss = process.memoryUsage().rss / 2 ** 20;
  console.log(`${c.name.padEnd(64)} ${ms.toFixed(0).padStart(7)} ms  body ${(body.length / 1e6).toFixed(2)} MB  rss ${rss.toFixed(0)} MiB  ${outcome}`);
}
