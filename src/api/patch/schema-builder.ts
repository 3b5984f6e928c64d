import type { PatchSchema } from "./patch-schema.ts";

/**
 * Test helper: PatchSchemas from nested literals, in the shape the OpenAPI-derived ones have.
 *
 * @example
 * const deployment = schema({
 *   metadata: { finalizers: primitiveList(), labels: map() },
 *   spec: { template: { spec: {
 *     containers: list("name", { env: list("name"), ports: list("containerPort") }),
 *   } } },
 * });
 */

/** A nested literal is an object schema; leaves are built with the helpers below. */
export type SchemaSpec = PatchSchema | { [field: string]: SchemaSpec };

class Node implements PatchSchema {
  constructor(
    readonly type: PatchSchema["type"],
    private readonly fields: Record<string, PatchSchema> = {},
    private readonly element?: PatchSchema,
    readonly patchMergeKey?: string,
    readonly patchStrategy?: string,
  ) {}
  field(name: string): PatchSchema | undefined {
    return Object.hasOwn(this.fields, name) ? this.fields[name] : undefined;
  }
  items(): PatchSchema | undefined {
    return this.element;
  }
}

function build(spec: SchemaSpec): PatchSchema {
  if (spec instanceof Node) return spec;
  return object(spec as Record<string, SchemaSpec>);
}

/** An object schema; `strategy` e.g. "retainKeys" for a Deployment's `strategy` field. */
export function object(fields: Record<string, SchemaSpec>, strategy?: string): PatchSchema {
  const built: Record<string, PatchSchema> = {};
  for (const [k, v] of Object.entries(fields)) built[k] = build(v);
  return new Node("object", built, undefined, undefined, strategy);
}

export const schema = (fields: Record<string, SchemaSpec>): PatchSchema => object(fields);

/** A list of objects merged by `mergeKey` (strategy "merge", or e.g. "merge,retainKeys"). */
export function list(mergeKey: string, element: SchemaSpec = {}, strategy = "merge"): PatchSchema {
  return new Node("array", {}, build(element), mergeKey, strategy);
}

/** A list of primitives merged as a set (metadata.finalizers). */
export function primitiveList(): PatchSchema {
  return new Node("array", {}, primitive(), undefined, "merge");
}

/** A list replaced as a whole (the default for lists without a strategy). */
export function atomicList(element: SchemaSpec = primitive()): PatchSchema {
  return new Node("array", {}, build(element));
}

/** A map with free-form keys (labels, annotations, ConfigMap data). */
export function map(element: SchemaSpec = primitive(), strategy?: string): PatchSchema {
  return new Node("map", {}, build(element), undefined, strategy);
}

export function primitive(): PatchSchema {
  return new Node("primitive");
}
