import { describe, expect, test } from "bun:test";
import { renderExplain } from "./render.ts";

const gvk = { group: "example.com", kind: "Widget", version: "v1" };
const doc = {
  paths: { "/apis/example.com/v1/namespaces/{namespace}/widgets": { get: { "x-kubernetes-group-version-kind": gvk } } },
  components: {
    schemas: {
      "com.example.v1.Widget": {
        description: "A widget.",
        type: "object",
        "x-kubernetes-group-version-kind": [gvk],
        properties: {
          spec: { description: "What it should be.", allOf: [{ $ref: "#/components/schemas/com.example.v1.Spec" }] },
          kind: { type: "string" },
        },
      },
      "com.example.v1.Spec": {
        description: "Spec of a widget.",
        type: "object",
        required: ["size"],
        properties: {
          size: { type: "integer", description: "How big, in a description long enough to be wrapped at seventy-eight columns by the template." },
          color: { type: "string", enum: ["red", "", "blue", "green", "cyan"] },
          parts: { type: "array", items: { $ref: "#/components/schemas/com.example.v1.Spec" } },
          port: { allOf: [{ $ref: "#/components/schemas/io.k8s.IntOrString" }] },
        },
      },
      "io.k8s.IntOrString": { type: "string", format: "int-or-string" },
    },
  },
};
const gvr = { group: "example.com", version: "v1", resource: "widgets" };
const head = "GROUP:      example.com\nKIND:       Widget\nVERSION:    v1\n\n";

describe("renderExplain", () => {
  test("a resource: description, sorted fields with <no description>, the final blank line", () => {
    expect(renderExplain(doc, gvr, [], false)).toEqual({
      out: `${head}DESCRIPTION:\n    A widget.\n    \nFIELDS:\n  kind\t<string>\n    <no description>\n\n  spec\t<Spec>\n    What it should be.\n\n\n`,
    });
  });

  test("a field through allOf: FIELD line, both descriptions, -required-, enums cut at four, primitive refs", () => {
    const { out } = renderExplain(doc, gvr, ["spec"], false);
    expect(out).toStartWith(`${head}FIELD: spec <Spec>\n\n\nDESCRIPTION:\n    What it should be.\n    Spec of a widget.\n    \nFIELDS:\n`);
    expect(out).toContain('  color\t<string>\n  enum: red, "", blue, green, ....\n');
    expect(out).toContain("  port\t<string>\n");
    expect(out).toContain("  size\t<integer> -required-\n    How big, in a description long enough to be wrapped at seventy-eight columns\n    by the template.\n");
  });

  test("--recursive stops at a $ref already on the path", () => {
    expect(renderExplain(doc, gvr, ["spec"], true).out).toEndWith(
      "FIELDS:\n  color\t<string>\n  enum: red, \"\", blue, green, ....\n  parts\t<[]Spec>\n  port\t<string>\n  size\t<integer> -required-\n\n",
    );
  });

  test("a field under an array's items, with its enum in full", () => {
    expect(renderExplain(doc, gvr, ["spec", "parts", "color"], false).out).toStartWith(`${head}FIELD: color <string>\nENUM:\n    red\n    ""\n    blue\n    green\n    cyan\n\n`);
  });

  test.each([
    [["nope"], "nope"],
    [["nope", "deeper"], "deeper"],
    [["spec", "size", "x"], "x"],
  ])("%p: kubectl names the LAST element in its error, after the head", (path, name) => {
    expect(renderExplain(doc, gvr, path, false)).toEqual({ out: head, error: `field "${name}" does not exist` });
  });

  test("a resource the document does not serve", () => {
    expect(renderExplain(doc, { ...gvr, resource: "gadgets" }, [], false)).toEqual({ out: "", error: "GVR (example.com/v1, Resource=gadgets) not found in OpenAPI schema" });
  });
});
