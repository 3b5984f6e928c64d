/** CustomResourceDefinitions for tests: every schema feature in one, and a plain one. */

/** A namespaced CronTab-like definition in `group`, with the schema features the issue lists. */
export function widgetCrd(group: string, opts: { plural?: string; kind?: string; scope?: "Namespaced" | "Cluster"; versions?: string[] } = {}) {
  const plural = opts.plural ?? "widgets";
  const kind = opts.kind ?? "Widget";
  const versions = opts.versions ?? ["v1"];
  const schema = {
    type: "object",
    properties: {
      spec: {
        type: "object",
        required: ["size"],
        properties: {
          size: { type: "integer", minimum: 1, maximum: 10 },
          color: { type: "string", enum: ["red", "green", "blue"], default: "red" },
          name: { type: "string", pattern: "^[a-z]+$", maxLength: 8 },
          email: { type: "string", format: "email" },
          port: { "x-kubernetes-int-or-string": true },
          note: { type: "string", nullable: true },
          tags: { type: "array", items: { type: "string" }, maxItems: 3 },
          extra: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
          replicas: { type: "integer", minimum: 0 },
          selector: { type: "string" },
        },
      },
      status: {
        type: "object",
        properties: { replicas: { type: "integer" }, selector: { type: "string" }, phase: { type: "string" } },
      },
    },
  };
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `${plural}.${group}` },
    spec: {
      group,
      scope: opts.scope ?? "Namespaced",
      names: { plural, singular: kind.toLowerCase(), kind, shortNames: [`${plural.slice(0, 2)}x`], categories: ["all"] },
      versions: versions.map((name, i) => ({
        name,
        served: true,
        storage: i === 0,
        schema: { openAPIV3Schema: schema },
        subresources: { status: {}, scale: { specReplicasPath: ".spec.replicas", statusReplicasPath: ".status.replicas", labelSelectorPath: ".status.selector" } },
        additionalPrinterColumns: [
          { name: "Size", type: "integer", jsonPath: ".spec.size" },
          { name: "Color", type: "string", jsonPath: ".spec.color" },
          { name: "Phase", type: "string", jsonPath: ".status.phase", priority: 1 },
          { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
        ],
      })),
    },
  };
}
