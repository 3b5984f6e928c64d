import { describe, expect, test } from "bun:test";
import { applyStrategicMergePatch } from "./strategic-merge-patch.ts";
import { atomicList, list, map, object, primitive, primitiveList, schema } from "./schema-builder.ts";
import { StatusError } from "../../model/errors.ts";
import { deepClone, type JsonObject } from "./json-value.ts";
import { statusErrorOf } from "../../../test/helpers/status-error.ts";

// The patch metadata of apps/v1 Deployment that kubectl apply exercises (from the Kubernetes
// OpenAPI: x-kubernetes-patch-merge-key / x-kubernetes-patch-strategy).
const container = { env: list("name"), ports: list("containerPort"), volumeMounts: list("mountPath"), args: atomicList() };
const deploymentSchema = schema({
  metadata: {
    labels: map(),
    annotations: map(),
    finalizers: primitiveList(),
    ownerReferences: list("uid"),
  },
  spec: {
    replicas: primitive(),
    selector: { matchLabels: map() },
    strategy: object({ rollingUpdate: {} }, "retainKeys"),
    template: {
      metadata: { labels: map() },
      spec: {
        containers: list("name", container),
        initContainers: list("name", container),
        volumes: list("name", { configMap: {}, emptyDir: {} }, "merge,retainKeys"),
        tolerations: atomicList({}),
      },
    },
  },
});

/** A Deployment as `kubectl apply` first created it. */
function deployment(): JsonObject {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", labels: { app: "web", tier: "fe" }, finalizers: ["example.com/a"] },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: "web" } },
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: {
        metadata: { labels: { app: "web" } },
        spec: {
          containers: [
            {
              name: "app",
              image: "app:1",
              args: ["--a", "--b"],
              env: [{ name: "X", value: "1" }, { name: "Y", value: "2" }],
              ports: [{ containerPort: 80, name: "http" }, { containerPort: 443, name: "https" }],
            },
            { name: "log", image: "log:1" },
          ],
          volumes: [{ name: "data", emptyDir: {} }],
        },
      },
    },
  };
}

type Edit = (d: any) => void;

/** Patches as kubectl apply sends them for an edited manifest (shape from CreateThreeWayMergePatch). */
const applyCases: [string, object, Edit][] = [
  [
    "remove a container",
    { spec: { template: { spec: { "$setElementOrder/containers": [{ name: "app" }], containers: [{ name: "log", $patch: "delete" }] } } } },
    (d) => d.spec.template.spec.containers.pop(),
  ],
  [
    "remove an env var",
    { spec: { template: { spec: {
      "$setElementOrder/containers": [{ name: "app" }, { name: "log" }],
      containers: [{ name: "app", "$setElementOrder/env": [{ name: "X" }], env: [{ name: "Y", $patch: "delete" }] }],
    } } } },
    (d) => d.spec.template.spec.containers[0].env.pop(),
  ],
  [
    "remove a port",
    { spec: { template: { spec: {
      "$setElementOrder/containers": [{ name: "app" }, { name: "log" }],
      containers: [{ name: "app", "$setElementOrder/ports": [{ containerPort: 80 }], ports: [{ containerPort: 443, $patch: "delete" }] }],
    } } } },
    (d) => d.spec.template.spec.containers[0].ports.pop(),
  ],
  [
    "remove a label (null deletes a map key)",
    { metadata: { labels: { tier: null } } },
    (d) => delete d.metadata.labels.tier,
  ],
  [
    "change an image and an env value",
    { spec: { template: { spec: {
      "$setElementOrder/containers": [{ name: "app" }, { name: "log" }],
      containers: [{ name: "app", image: "app:2", "$setElementOrder/env": [{ name: "X" }, { name: "Y" }], env: [{ name: "X", value: "9" }] }],
    } } } },
    (d) => {
      d.spec.template.spec.containers[0].image = "app:2";
      d.spec.template.spec.containers[0].env[0].value = "9";
    },
  ],
  [
    "add a container between two",
    { spec: { template: { spec: {
      "$setElementOrder/containers": [{ name: "app" }, { name: "proxy" }, { name: "log" }],
      containers: [{ name: "proxy", image: "proxy:1" }],
    } } } },
    (d) => d.spec.template.spec.containers.splice(1, 0, { name: "proxy", image: "proxy:1" }),
  ],
  [
    "reorder containers without changing them",
    { spec: { template: { spec: { "$setElementOrder/containers": [{ name: "log" }, { name: "app" }] } } } },
    (d) => d.spec.template.spec.containers.reverse(),
  ],
  [
    "replace an atomic list (args)",
    { spec: { template: { spec: {
      "$setElementOrder/containers": [{ name: "app" }, { name: "log" }],
      containers: [{ name: "app", args: ["--c"] }],
    } } } },
    (d) => (d.spec.template.spec.containers[0].args = ["--c"]),
  ],
  [
    "add a list the original lacks, directives and nulls applied",
    { spec: { template: { spec: {
      "$setElementOrder/initContainers": [{ name: "init" }],
      initContainers: [{ name: "init", image: "i:1", command: null, env: [{ name: "A", value: "1" }, { name: "B", $patch: "delete" }] }],
    } } } },
    (d) => (d.spec.template.spec.initContainers = [{ name: "init", image: "i:1", env: [{ name: "A", value: "1" }] }]),
  ],
  [
    "switch strategy to Recreate ($retainKeys)",
    { spec: { strategy: { $retainKeys: ["type"], rollingUpdate: null, type: "Recreate" } } },
    (d) => (d.spec.strategy = { type: "Recreate" }),
  ],
  [
    "$retainKeys clears keys the patch does not mention",
    { spec: { strategy: { $retainKeys: ["type"], type: "Recreate" } } },
    (d) => (d.spec.strategy = { type: "Recreate" }),
  ],
  [
    "switch a volume source ($retainKeys in a list element)",
    { spec: { template: { spec: {
      "$setElementOrder/volumes": [{ name: "data" }],
      volumes: [{ $retainKeys: ["configMap", "name"], configMap: { name: "cm" }, name: "data" }],
    } } } },
    (d) => (d.spec.template.spec.volumes = [{ name: "data", configMap: { name: "cm" } }]),
  ],
  [
    "add a finalizer (primitive list union)",
    { metadata: { "$setElementOrder/finalizers": ["example.com/a", "example.com/b"], finalizers: ["example.com/b"] } },
    (d) => d.metadata.finalizers.push("example.com/b"),
  ],
  [
    "remove a finalizer ($deleteFromPrimitiveList)",
    { metadata: { "$setElementOrder/finalizers": [], "$deleteFromPrimitiveList/finalizers": ["example.com/a"] } },
    (d) => (d.metadata.finalizers = []),
  ],
  [
    "swap finalizers in one patch",
    { metadata: {
      "$setElementOrder/finalizers": ["example.com/b"],
      finalizers: ["example.com/b"],
      "$deleteFromPrimitiveList/finalizers": ["example.com/a"],
    } },
    (d) => (d.metadata.finalizers = ["example.com/b"]),
  ],
  [
    "finalizer union without order directive deduplicates",
    { metadata: { finalizers: ["example.com/a", "example.com/c"] } },
    (d) => d.metadata.finalizers.push("example.com/c"),
  ],
];

describe("kubectl apply patches", () => {
  test.each(applyCases)("%s", (_name, patch, edit) => {
    const original = deployment();
    const expected = deployment();
    edit(expected);
    const patchCopy = deepClone(patch);
    expect(applyStrategicMergePatch(original, patch, deploymentSchema)).toEqual(expected);
    expect(original).toEqual(deployment()); // inputs untouched
    expect(patch).toEqual(patchCopy);
  });
});

describe("list order", () => {
  const withContainers = (names: string[]) => ({
    spec: { template: { spec: { containers: names.map((name) => ({ name })) } } },
  });
  const names = (d: any) => d.spec.template.spec.containers.map((c: any) => c.name);

  test.each<[string, string[], object, string[]]>([
    ["a server-only sidecar keeps its place", ["app", "sidecar", "log"], {
      "$setElementOrder/containers": [{ name: "app" }, { name: "log" }],
      containers: [{ name: "log", image: "log:2" }],
    }, ["app", "sidecar", "log"]],
    ["new elements go after patch order, before later server-only ones", ["app", "sidecar"], {
      "$setElementOrder/containers": [{ name: "app" }, { name: "new" }],
      containers: [{ name: "new" }],
    }, ["app", "new", "sidecar"]],
    ["without $setElementOrder, patch order then live order", ["a", "b"], {
      containers: [{ name: "c" }, { name: "a", image: "x" }],
    }, ["c", "a", "b"]],
    ["$patch: replace in a list element replaces the list", ["a", "b"], {
      containers: [{ $patch: "replace" }, { name: "z", image: "z:1" }],
    }, ["z"]],
    ["$patch: delete removes every element with the key", ["a", "b", "a"], {
      containers: [{ name: "a", $patch: "delete" }],
    }, ["b"]],
  ])("%s", (_name, live, patch, expected) => {
    const out = applyStrategicMergePatch(withContainers(live), { spec: { template: { spec: patch } } }, deploymentSchema);
    expect(names(out)).toEqual(expected);
  });

  test("merging by a numeric key (containerPort)", () => {
    const original = { spec: { template: { spec: { containers: [{ name: "a", ports: [{ containerPort: 80, protocol: "TCP" }] }] } } } };
    const patch = { spec: { template: { spec: { containers: [{ name: "a", ports: [{ containerPort: 80, name: "http" }, { containerPort: 81 }] }] } } } };
    expect(applyStrategicMergePatch(original, patch, deploymentSchema)).toEqual({
      spec: { template: { spec: { containers: [{ name: "a", ports: [{ containerPort: 80, protocol: "TCP", name: "http" }, { containerPort: 81 }] }] } } },
    });
  });
});

describe("map directives and merge-patch fallback", () => {
  test.each<[string, object, object, object]>([
    ["$patch: replace in a map", { spec: { selector: { matchLabels: { a: "1", b: "2" } } } },
      { spec: { selector: { $patch: "replace", matchLabels: { c: "3" } } } }, { spec: { selector: { matchLabels: { c: "3" } } } }],
    ["$patch: delete in a map empties it", { spec: { selector: { matchLabels: { a: "1" } }, replicas: 1 } },
      { spec: { selector: { $patch: "delete" } } }, { spec: { selector: {}, replicas: 1 } }],
    ["$patch: merge is the default", { metadata: { labels: { a: "1" } } },
      { metadata: { labels: { $patch: "merge", b: "2" } } }, { metadata: { labels: { a: "1", b: "2" } } }],
    ["a null for an absent key is dropped", { metadata: {} }, { metadata: { labels: { a: null } } }, { metadata: { labels: {} } }],
    ["a type change replaces", { spec: { replicas: { x: 1 } } }, { spec: { replicas: 3 } }, { spec: { replicas: 3 } }],
    ["an unknown field's list is replaced", { spec: { custom: [{ name: "a" }, { name: "b" }] } },
      { spec: { custom: [{ name: "b" }] } }, { spec: { custom: [{ name: "b" }] } }],
    ["an unknown field's map merges", { spec: { custom: { a: 1, b: 2 } } },
      { spec: { custom: { b: null, c: 3 } } }, { spec: { custom: { a: 1, c: 3 } } }],
  ])("%s", (_name, original, patch, expected) => {
    expect(applyStrategicMergePatch(original, patch, deploymentSchema)).toEqual(expected as never);
  });

  test("without a schema a merge list is replaced, as in a merge patch", () => {
    const patch = { spec: { template: { spec: { containers: [{ name: "log", image: "log:2" }] } } } };
    const out = applyStrategicMergePatch(deployment(), patch, undefined) as any;
    expect(out.spec.template.spec.containers).toEqual([{ name: "log", image: "log:2" }]);
  });

  test("without a schema $setElementOrder is dropped and the rest still merges", () => {
    const patch = { metadata: { "$setElementOrder/finalizers": ["x"], finalizers: ["x"], labels: { tier: null } } };
    const out = applyStrategicMergePatch(deployment(), patch, undefined) as any;
    expect(out.metadata.finalizers).toEqual(["x"]);
    expect(out.metadata.labels).toEqual({ app: "web" });
  });

  test("without a schema $deleteFromPrimitiveList still deletes", () => {
    const patch = { metadata: { "$deleteFromPrimitiveList/finalizers": ["example.com/a"] } };
    expect((applyStrategicMergePatch(deployment(), patch, undefined) as any).metadata.finalizers).toEqual([]);
  });
});

describe("errors, with the apiserver's codes", () => {
  const containers = (patch: object) => ({ spec: { template: { spec: patch } } });
  test.each<[string, unknown, number, string]>([
    ["a body that is not an object", [{ op: "add" }], 400, "json: cannot unmarshal array into Go value of type map[string]interface {}"],
    ["a merge list element without its merge key", containers({ containers: [{ image: "x" }] }), 500,
      'map: {"image":"x"} does not contain declared merge key: name'],
    ["a delete directive without the merge key", containers({ containers: [{ $patch: "delete" }] }), 500,
      'map: {"$patch":"delete"} does not contain declared merge key: name'],
    ["an unknown $patch value in a map", { spec: { $patch: "explode" } }, 500, "unknown patch type: explode in map: {}"],
    ["a list of lists", containers({ containers: [["a"]] }), 422, "the server rejected our request due to an error in our request"],
    ["$retainKeys that is not a list", { spec: { strategy: { $retainKeys: "type" } } }, 400, "invalid patch format of retainKeys"],
    ["a patched key missing from $retainKeys", { spec: { strategy: { $retainKeys: ["type"], rollingUpdate: {} } } }, 400,
      "invalid patch format of retainKeys"],
    ["a malformed $setElementOrder key", { metadata: { $setElementOrder: [] } }, 400, "invalid patch format of setElementOrder list"],
    ["a malformed $deleteFromPrimitiveList key", { metadata: { "$deleteFromPrimitiveListfinalizers": [] } }, 400,
      "invalid patch format of primitive list"],
    ["a patch list out of $setElementOrder's order", containers({
      "$setElementOrder/containers": [{ name: "app" }, { name: "log" }],
      containers: [{ name: "log" }, { name: "app" }],
    }), 500, "The order in patch list:"],
  ])("%s", (_name, patch, code, message) => {
    const err = statusErrorOf(() => applyStrategicMergePatch(deployment(), patch, deploymentSchema));
    expect(err.code).toBe(code);
    expect(err.message.startsWith(message)).toBe(true);
  });
});

describe("lists at the sizes one request can carry (correct results; the old list search took seconds)", () => {
  const podSchema = schema({ metadata: { finalizers: primitiveList() }, spec: { containers: list("name", container) } });
  const range = (n: number) => Array.from({ length: n }, (_, i) => i);

  test("40,000 finalizers added to none: their union, in patch order", () => {
    const finalizers = range(40_000).map((i) => `example.com/f${i}`);
    const patch = { metadata: { finalizers: [...finalizers, ...finalizers.slice(0, 100)] } }; // repeats merge away
    const out = applyStrategicMergePatch({ metadata: { name: "p" } }, patch, podSchema) as any;
    expect(out.metadata.finalizers).toEqual(finalizers);
  });

  test("40,000 live finalizers: half replaced, the rest interleaved with new ones by $setElementOrder", () => {
    const f = range(40_000).map((i) => `example.com/f${i}`);
    const g = range(20_000).map((i) => `example.com/g${i}`);
    const order = range(20_000).flatMap((i) => [g[i]!, f[i]!]);
    const patch = { metadata: {
      "$setElementOrder/finalizers": order,
      finalizers: g,
      "$deleteFromPrimitiveList/finalizers": f.slice(20_000),
    } };
    const out = applyStrategicMergePatch({ metadata: { finalizers: f } }, patch, podSchema) as any;
    expect(out.metadata.finalizers).toEqual(order);
  });

  test("10,000 containers merged by name: every one updated, every tenth deleted, a server-only sidecar kept in place", () => {
    const live = range(10_000).map((i) => ({ name: `c${i}`, image: "a:1", env: [{ name: "A", value: "1" }] }));
    live.splice(5_000, 0, { name: "sidecar", image: "s:1", env: [] });
    const kept = range(10_000).filter((i) => i % 10 !== 0);
    const patch = { spec: {
      "$setElementOrder/containers": kept.map((i) => ({ name: `c${i}` })),
      containers: [
        ...kept.map((i) => ({ name: `c${i}`, image: "a:2", env: [{ name: "B", value: "2" }] })),
        ...range(1_000).map((i) => ({ name: `c${i * 10}`, $patch: "delete" })),
      ],
    } };
    const out = applyStrategicMergePatch({ spec: { containers: live } }, patch, podSchema) as any;
    // Without $setElementOrder for env, the patch's elements come first.
    const expected = kept.map((i) => ({ name: `c${i}`, image: "a:2", env: [{ name: "B", value: "2" }, { name: "A", value: "1" }] }));
    expected.splice(4_500, 0, { name: "sidecar", image: "s:1", env: [] }); // after c4999, as it was live
    expect(out.spec.containers).toEqual(expected);
  });
});

describe("nesting limits", () => {
  const chain = (levels: number): Record<string, unknown> => {
    const root: Record<string, unknown> = {};
    let at = root;
    for (let i = 0; i < levels; i++) at = (at.a = {}) as Record<string, unknown>;
    return root;
  };

  test("an object stored nested past the limit is refused as 422 instead of overflowing the stack", () => {
    const err = statusErrorOf(() => applyStrategicMergePatch({ spec: chain(20_000) }, { metadata: { labels: { a: "1" } } }, deploymentSchema));
    expect(err.code).toBe(422);
    expect(err.details?.causes).toEqual([
      { reason: "FieldValueInvalid", field: "patch", message: "the patched object is nested more than 100 levels deep" },
    ]);
  });

  test("a patch that deletes the too-deep part applies", () => {
    expect(applyStrategicMergePatch({ spec: chain(20_000) }, { spec: { a: null } }, deploymentSchema)).toEqual({ spec: {} });
  });

  test("a patch nested past the limit is 400, as the request decoder answers", () => {
    const err = statusErrorOf(() => applyStrategicMergePatch({}, chain(101), deploymentSchema));
    expect(err.code).toBe(400);
    expect(err.message).toBe("the body of the request is nested more than 100 levels deep");
  });
});

test("a null merge key: each patch element merges into the next live holder of that key, as a search from the front finds it", () => {
  const live = [{ name: null, image: "1" }, { name: "b" }, { name: null, image: "2" }];
  const patch = { spec: { template: { spec: { containers: [{ name: null, image: "x" }, { name: null, image: "y" }, { name: null, image: "z" }] } } } };
  const out = applyStrategicMergePatch({ spec: { template: { spec: { containers: live } } } }, patch, deploymentSchema) as any;
  // Merging a null deletes the field, so a merged element no longer holds the key: "y" goes to
  // the second holder and "z" is added. Keyless elements are ordered after the keyed ones.
  expect(out.spec.template.spec.containers).toEqual([{ name: "b" }, { image: "x" }, { image: "y" }, { image: "z" }]);
});
