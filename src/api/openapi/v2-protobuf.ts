/**
 * /openapi/v2 as protobuf: gnostic's `openapi.v2.Document` (github.com/google/gnostic-models,
 * OpenAPIv2.proto), the form kubectl asks for (`Accept:
 * application/com.github.proto-openapi.spec.v2@v1.0+protobuf`) and nothing else — client-go's
 * `OpenAPISchema()` does not fall back to JSON. kubectl 1.32 needs it where OpenAPI v3 cannot
 * answer: `apply -f` of a `kind: List` (the fieldValidation probe treats List as unsupported,
 * so kubectl validates each item on the client against the v2 definitions), and the v2
 * fallbacks of patch computation.
 *
 * Swagger JSON maps onto gnostic's messages with a few twists, each a fact of that schema:
 * maps become repeated `Named*` {name = 1, value = 2} pairs; `type` is a TypeItem, `items` an
 * ItemsItem (repeated Schema), `additionalProperties` a oneof of Schema or bool; a parameter is
 * a `$ref` (JsonReference) or a body / non-body (header, formData, query, path) parameter; `x-`
 * keys are vendor extensions whose values travel as YAML text in `Any.yaml` (JSON is YAML, and
 * kube-openapi reads them with a YAML parser).
 */
import { ProtoWriter } from "./proto-writer.ts";

type Json = Record<string, any>;

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/** Any { yaml = 2 } */
function any(value: unknown): ProtoWriter | undefined {
  if (value === undefined) return undefined;
  return new ProtoWriter().string(2, JSON.stringify(value));
}

/** Writes the `x-` keys of `o` as repeated NamedAny { name = 1, value = 2 } at `field`. */
function vendorExtensions(w: ProtoWriter, field: number, o: Json): void {
  for (const [k, v] of Object.entries(o)) if (k.startsWith("x-")) w.message(field, new ProtoWriter().string(1, k).message(2, any(v)));
}

/** Repeated Named<X> { name = 1, value = 2 } at `field` for each entry of a map. */
function named(w: ProtoWriter, field: number, map: unknown, value: (v: any) => ProtoWriter | undefined): void {
  if (!isObject(map)) return;
  for (const [k, v] of Object.entries(map)) w.message(field, new ProtoWriter().string(1, k).message(2, value(v)));
}

function schema(s: Json): ProtoWriter {
  const w = new ProtoWriter()
    .string(1, s.$ref)
    .string(2, s.format)
    .string(3, s.title)
    .string(4, s.description)
    .message(5, any(s.default))
    .double(6, s.multipleOf)
    .double(7, s.maximum)
    .bool(8, s.exclusiveMaximum)
    .double(9, s.minimum)
    .bool(10, s.exclusiveMinimum)
    .int64(11, s.maxLength)
    .int64(12, s.minLength)
    .string(13, s.pattern)
    .int64(14, s.maxItems)
    .int64(15, s.minItems)
    .bool(16, s.uniqueItems)
    .int64(17, s.maxProperties)
    .int64(18, s.minProperties)
    .strings(19, s.required);
  if (Array.isArray(s.enum)) for (const e of s.enum) w.message(20, any(e));
  // AdditionalPropertiesItem: oneof { Schema schema = 1; bool boolean = 2 }
  if (isObject(s.additionalProperties)) w.message(21, new ProtoWriter().message(1, schema(s.additionalProperties)));
  else if (typeof s.additionalProperties === "boolean") w.message(21, new ProtoWriter().oneofBool(2, s.additionalProperties));
  // TypeItem { repeated string value = 1 }
  if (s.type !== undefined) w.message(22, new ProtoWriter().strings(1, Array.isArray(s.type) ? s.type : [s.type]));
  // ItemsItem { repeated Schema schema = 1 }
  if (s.items !== undefined) {
    const items = new ProtoWriter();
    for (const i of Array.isArray(s.items) ? s.items : [s.items]) if (isObject(i)) items.message(1, schema(i));
    w.message(23, items);
  }
  if (Array.isArray(s.allOf)) for (const a of s.allOf) if (isObject(a)) w.message(24, schema(a));
  // Properties { repeated NamedSchema additional_properties = 1 }
  if (isObject(s.properties)) {
    const props = new ProtoWriter();
    named(props, 1, s.properties, (v) => (isObject(v) ? schema(v) : undefined));
    w.message(25, props);
  }
  w.string(26, s.discriminator).bool(27, s.readOnly).message(30, any(s.example));
  vendorExtensions(w, 31, s);
  return w;
}

/**
 * The non-body parameters share a layout; query and formData have `allowEmptyValue` at 5,
 * which shifts every later field by one against header and path.
 */
function nonBodySubSchema(p: Json, allowEmpty: boolean): ProtoWriter {
  const w = new ProtoWriter().bool(1, p.required).string(2, p.in).string(3, p.description).string(4, p.name);
  const at = allowEmpty ? 6 : 5;
  if (allowEmpty) w.bool(5, p.allowEmptyValue);
  w.string(at, p.type)
    .string(at + 1, p.format)
    .message(at + 2, isObject(p.items) ? primitivesItems(p.items) : undefined)
    .string(at + 3, p.collectionFormat)
    .message(at + 4, any(p.default))
    .double(at + 5, p.maximum)
    .bool(at + 6, p.exclusiveMaximum)
    .double(at + 7, p.minimum)
    .bool(at + 8, p.exclusiveMinimum)
    .int64(at + 9, p.maxLength)
    .int64(at + 10, p.minLength)
    .string(at + 11, p.pattern)
    .int64(at + 12, p.maxItems)
    .int64(at + 13, p.minItems)
    .bool(at + 14, p.uniqueItems);
  if (Array.isArray(p.enum)) for (const e of p.enum) w.message(at + 15, any(e));
  w.double(at + 16, p.multipleOf);
  vendorExtensions(w, at + 17, p);
  return w;
}

/** PrimitivesItems: type 1, format 2, items 3, collectionFormat 4, default 5, … */
function primitivesItems(p: Json): ProtoWriter {
  const w = new ProtoWriter()
    .string(1, p.type)
    .string(2, p.format)
    .message(3, isObject(p.items) ? primitivesItems(p.items) : undefined)
    .string(4, p.collectionFormat)
    .message(5, any(p.default));
  vendorExtensions(w, 18, p);
  return w;
}

const NON_BODY_ARM: Record<string, [number, boolean]> = { header: [1, false], formData: [2, true], query: [3, true], path: [4, false] };

/** ParametersItem: oneof { Parameter parameter = 1; JsonReference json_reference = 2 } */
function parametersItem(p: Json): ProtoWriter {
  if (typeof p.$ref === "string") return new ProtoWriter().message(2, new ProtoWriter().string(1, p.$ref).string(2, p.description));
  return new ProtoWriter().message(1, parameter(p));
}

/** Parameter: oneof { BodyParameter body_parameter = 1; NonBodyParameter non_body_parameter = 2 } */
function parameter(p: Json): ProtoWriter {
  if (p.in === "body") {
    const body = new ProtoWriter().string(1, p.description).string(2, p.name).string(3, p.in).bool(4, p.required).message(5, isObject(p.schema) ? schema(p.schema) : undefined);
    vendorExtensions(body, 6, p);
    return new ProtoWriter().message(1, body);
  }
  const [arm, allowEmpty] = NON_BODY_ARM[p.in] ?? NON_BODY_ARM.query!;
  return new ProtoWriter().message(2, new ProtoWriter().message(arm, nonBodySubSchema(p, allowEmpty)));
}

/** Response: description 1, schema 2 (SchemaItem oneof: Schema schema = 1), vendor 5. */
function responseValue(r: Json): ProtoWriter {
  if (typeof r.$ref === "string") return new ProtoWriter().message(2, new ProtoWriter().string(1, r.$ref).string(2, r.description));
  const w = new ProtoWriter().string(1, r.description).message(2, isObject(r.schema) ? new ProtoWriter().message(1, schema(r.schema)) : undefined);
  vendorExtensions(w, 5, r);
  return new ProtoWriter().message(1, w);
}

function operation(o: Json): ProtoWriter {
  const w = new ProtoWriter().strings(1, o.tags).string(2, o.summary).string(3, o.description).string(5, o.operationId).strings(6, o.produces).strings(7, o.consumes);
  if (Array.isArray(o.parameters)) for (const p of o.parameters) if (isObject(p)) w.message(8, parametersItem(p));
  if (isObject(o.responses)) {
    // Responses { repeated NamedResponseValue response_code = 1 }
    const rs = new ProtoWriter();
    named(rs, 1, Object.fromEntries(Object.entries(o.responses).filter(([k]) => !k.startsWith("x-"))), (v) => (isObject(v) ? responseValue(v) : undefined));
    vendorExtensions(rs, 2, o.responses);
    w.message(9, rs);
  }
  w.strings(10, o.schemes).bool(11, o.deprecated);
  if (Array.isArray(o.security)) for (const s of o.security) w.message(12, securityRequirement(s));
  vendorExtensions(w, 13, o);
  return w;
}

const METHODS: [string, number][] = [["get", 2], ["put", 3], ["post", 4], ["delete", 5], ["options", 6], ["head", 7], ["patch", 8]];

function pathItem(p: Json): ProtoWriter {
  const w = new ProtoWriter().string(1, p.$ref);
  for (const [m, f] of METHODS) if (isObject(p[m])) w.message(f, operation(p[m]));
  if (Array.isArray(p.parameters)) for (const x of p.parameters) if (isObject(x)) w.message(9, parametersItem(x));
  vendorExtensions(w, 10, p);
  return w;
}

/** SecurityRequirement { repeated NamedStringArray additional_properties = 1 } (StringArray { value = 1 }). */
function securityRequirement(s: unknown): ProtoWriter {
  const w = new ProtoWriter();
  named(w, 1, s, (v) => new ProtoWriter().strings(1, v));
  return w;
}

/** SecurityDefinitionsItem: basic 1, apiKey 2, oauth2 3–6 (by flow). */
function securityDefinition(d: Json): ProtoWriter | undefined {
  if (d.type === "apiKey") {
    const w = new ProtoWriter().string(1, d.type).string(2, d.name).string(3, d.in).string(4, d.description);
    vendorExtensions(w, 5, d);
    return new ProtoWriter().message(2, w);
  }
  if (d.type === "basic") {
    const w = new ProtoWriter().string(1, d.type).string(2, d.description);
    vendorExtensions(w, 3, d);
    return new ProtoWriter().message(1, w);
  }
  // OAuth2 schemes: none served here; left out rather than half-encoded.
  return undefined;
}

/** Encodes a swagger 2.0 document (as served at /openapi/v2 in JSON) as gnostic's Document. */
export function openapiV2Protobuf(doc: Json): Uint8Array {
  const w = new ProtoWriter().string(1, doc.swagger);
  if (isObject(doc.info)) {
    const info = new ProtoWriter().string(1, doc.info.title).string(2, doc.info.version).string(3, doc.info.description).string(4, doc.info.termsOfService);
    vendorExtensions(info, 7, doc.info);
    w.message(2, info);
  }
  w.string(3, doc.host).string(4, doc.basePath).strings(5, doc.schemes).strings(6, doc.consumes).strings(7, doc.produces);
  if (isObject(doc.paths)) {
    // Paths { repeated NamedAny vendor_extension = 1; repeated NamedPathItem path = 2 }
    const paths = new ProtoWriter();
    vendorExtensions(paths, 1, doc.paths);
    named(paths, 2, Object.fromEntries(Object.entries(doc.paths).filter(([k]) => !k.startsWith("x-"))), (v) => (isObject(v) ? pathItem(v) : undefined));
    w.message(8, paths);
  }
  if (isObject(doc.definitions)) {
    const defs = new ProtoWriter();
    named(defs, 1, doc.definitions, (v) => (isObject(v) ? schema(v) : undefined));
    w.message(9, defs);
  }
  if (isObject(doc.parameters)) {
    const params = new ProtoWriter();
    named(params, 1, doc.parameters, (v) => (isObject(v) ? parameter(v) : undefined));
    w.message(10, params);
  }
  if (Array.isArray(doc.security)) for (const s of doc.security) w.message(12, securityRequirement(s));
  if (isObject(doc.securityDefinitions)) {
    const sd = new ProtoWriter();
    named(sd, 1, doc.securityDefinitions, (v) => (isObject(v) ? securityDefinition(v) : undefined));
    w.message(13, sd);
  }
  vendorExtensions(w, 16, doc);
  return w.finish();
}
