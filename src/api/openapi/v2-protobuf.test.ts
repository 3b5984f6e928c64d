import { describe, expect, test } from "bun:test";
import protobuf from "protobufjs";
import { builtinResources } from "../resources/builtin.ts";
import { openapiV2 } from "./documents.ts";
import { openapiV2Protobuf } from "./v2-protobuf.ts";

/**
 * A reader for the part of gnostic's openapi.v2 messages the assertions look at, written from
 * OpenAPIv2.proto's field numbers: an independent decoder of our encoding (unknown fields skip).
 */
const gnostic = protobuf.Root.fromJSON({
  nested: {
    Any: { fields: { yaml: { id: 2, type: "string" } } },
    NamedAny: { fields: { name: { id: 1, type: "string" }, value: { id: 2, type: "Any" } } },
    TypeItem: { fields: { value: { id: 1, type: "string", rule: "repeated" } } },
    ItemsItem: { fields: { schema: { id: 1, type: "Schema", rule: "repeated" } } },
    AdditionalPropertiesItem: { oneofs: { oneof: { oneof: ["schema", "boolean"] } }, fields: { schema: { id: 1, type: "Schema" }, boolean: { id: 2, type: "bool" } } },
    NamedSchema: { fields: { name: { id: 1, type: "string" }, value: { id: 2, type: "Schema" } } },
    Properties: { fields: { additionalProperties: { id: 1, type: "NamedSchema", rule: "repeated" } } },
    Schema: {
      fields: {
        ref: { id: 1, type: "string" }, format: { id: 2, type: "string" }, description: { id: 4, type: "string" }, default: { id: 5, type: "Any" },
        maximum: { id: 7, type: "double" }, minimum: { id: 9, type: "double" }, maxLength: { id: 11, type: "int64" }, uniqueItems: { id: 16, type: "bool" },
        required: { id: 19, type: "string", rule: "repeated" }, enum: { id: 20, type: "Any", rule: "repeated" }, additionalProperties: { id: 21, type: "AdditionalPropertiesItem" },
        type: { id: 22, type: "TypeItem" }, items: { id: 23, type: "ItemsItem" }, properties: { id: 25, type: "Properties" }, vendorExtension: { id: 31, type: "NamedAny", rule: "repeated" },
      },
    },
    Definitions: { fields: { additionalProperties: { id: 1, type: "NamedSchema", rule: "repeated" } } },
    QueryParameterSubSchema: { fields: { required: { id: 1, type: "bool" }, in: { id: 2, type: "string" }, name: { id: 4, type: "string" }, type: { id: 6, type: "string" }, uniqueItems: { id: 20, type: "bool" } } },
    PathParameterSubSchema: { fields: { required: { id: 1, type: "bool" }, in: { id: 2, type: "string" }, name: { id: 4, type: "string" }, type: { id: 5, type: "string" }, uniqueItems: { id: 19, type: "bool" } } },
    NonBodyParameter: { fields: { queryParameterSubSchema: { id: 3, type: "QueryParameterSubSchema" }, pathParameterSubSchema: { id: 4, type: "PathParameterSubSchema" } } },
    BodyParameter: { fields: { name: { id: 2, type: "string" }, in: { id: 3, type: "string" }, required: { id: 4, type: "bool" }, schema: { id: 5, type: "Schema" } } },
    Parameter: { fields: { bodyParameter: { id: 1, type: "BodyParameter" }, nonBodyParameter: { id: 2, type: "NonBodyParameter" } } },
    JsonReference: { fields: { ref: { id: 1, type: "string" } } },
    ParametersItem: { fields: { parameter: { id: 1, type: "Parameter" }, jsonReference: { id: 2, type: "JsonReference" } } },
    Operation: { fields: { operationId: { id: 5, type: "string" }, consumes: { id: 7, type: "string", rule: "repeated" }, parameters: { id: 8, type: "ParametersItem", rule: "repeated" }, vendorExtension: { id: 13, type: "NamedAny", rule: "repeated" } } },
    PathItem: { fields: { get: { id: 2, type: "Operation" }, patch: { id: 8, type: "Operation" }, parameters: { id: 9, type: "ParametersItem", rule: "repeated" } } },
    NamedPathItem: { fields: { name: { id: 1, type: "string" }, value: { id: 2, type: "PathItem" } } },
    Paths: { fields: { path: { id: 2, type: "NamedPathItem", rule: "repeated" } } },
    Info: { fields: { title: { id: 1, type: "string" }, version: { id: 2, type: "string" } } },
    Document: { fields: { swagger: { id: 1, type: "string" }, info: { id: 2, type: "Info" }, paths: { id: 8, type: "Paths" }, definitions: { id: 9, type: "Definitions" } } },
  },
});
const decode = (bytes: Uint8Array) => gnostic.lookupType("Document").toObject(gnostic.lookupType("Document").decode(bytes), { longs: Number, defaults: false }) as any;
const ext = (list: any[] | undefined, name: string) => JSON.parse(list?.find((e) => e.name === name)?.value?.yaml ?? "null");

describe("/openapi/v2 as gnostic's protobuf Document", () => {
  const json = openapiV2(builtinResources) as any;
  const doc = decode(openapiV2Protobuf(json));
  const def = (name: string) => doc.definitions.additionalProperties.find((d: any) => d.name === name)?.value;

  test("keeps the header and every definition, in order", () => {
    expect(doc.swagger).toBe("2.0");
    expect(doc.info).toEqual({ title: "Kubernetes", version: "unversioned" });
    expect(doc.definitions.additionalProperties.map((d: any) => d.name)).toEqual(Object.keys(json.definitions));
  });

  test("a kind's definition: its GVK extension (what kubectl's LookupResource reads), properties, refs, maps", () => {
    const cm = def("io.k8s.api.core.v1.ConfigMap");
    expect(ext(cm.vendorExtension, "x-kubernetes-group-version-kind")).toEqual([{ group: "", kind: "ConfigMap", version: "v1" }]);
    const props = Object.fromEntries(cm.properties.additionalProperties.map((p: any) => [p.name, p.value]));
    expect(Object.keys(props).sort()).toEqual(Object.keys(json.definitions["io.k8s.api.core.v1.ConfigMap"].properties).sort());
    expect(props.metadata.ref).toBe("#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta");
    expect(props.data.type.value).toEqual(["object"]);
    expect(props.data.additionalProperties.schema.type.value).toEqual(["string"]);
    const pod = def("io.k8s.api.core.v1.PodSpec");
    const containers = pod.properties.additionalProperties.find((p: any) => p.name === "containers").value;
    expect(containers.type.value).toEqual(["array"]);
    expect(containers.items.schema).toHaveLength(1);
    expect(containers.items.schema[0].ref).toBe("#/definitions/io.k8s.api.core.v1.Container");
    expect(ext(containers.vendorExtension, "x-kubernetes-patch-merge-key")).toBe("name");
    expect(pod.required).toEqual(json.definitions["io.k8s.api.core.v1.PodSpec"].required);
  });

  test("a PATCH operation: its GVK, its body and its fieldValidation query parameter (kubectl's v2 probe)", () => {
    const item = doc.paths.path.find((p: any) => p.name === "/api/v1/namespaces/{namespace}/configmaps/{name}").value;
    expect(ext(item.patch.vendorExtension, "x-kubernetes-group-version-kind")).toEqual({ group: "", kind: "ConfigMap", version: "v1" });
    const params = item.patch.parameters.map((p: any) => p.parameter);
    expect(params[0].bodyParameter).toMatchObject({ name: "body", in: "body", required: true, schema: { ref: "#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.Patch" } });
    expect(params.map((p: any) => p.nonBodyParameter?.queryParameterSubSchema?.name)).toContain("fieldValidation");
    expect(item.parameters.map((p: any) => p.parameter.nonBodyParameter?.pathParameterSubSchema).filter(Boolean)).toContainEqual({ required: true, in: "path", name: "name", type: "string", uniqueItems: true });
  });

  test("scalars: doubles, int64s, bools, enums and defaults as YAML", () => {
    const d = decode(openapiV2Protobuf({ swagger: "2.0", definitions: { X: { type: "integer", minimum: -1.5, maximum: 10, maxLength: 300, uniqueItems: true, enum: ["a", 2], default: { k: [1] }, additionalProperties: false } } }));
    const x = d.definitions.additionalProperties[0].value;
    expect(x).toMatchObject({ minimum: -1.5, maximum: 10, maxLength: 300, uniqueItems: true, additionalProperties: { boolean: false } });
    expect(x.enum.map((e: any) => JSON.parse(e.yaml))).toEqual(["a", 2]);
    expect(JSON.parse(x.default.yaml)).toEqual({ k: [1] });
  });
});
