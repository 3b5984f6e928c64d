/**
 * The CRI schema as plain tables (message → fields by number, enum → names, service → methods),
 * read from the project's own `proto/runtime/v1/api.proto`, which is bundled as text.
 *
 * Written by hand instead of loading protobufjs + @grpc/proto-loader: those, with grpc-js,
 * cost the agent ~31 MiB of RSS (bench/agent-modules-rss.ts) for a schema of ~150 small
 * messages. This reads only what that file uses — proto3 messages (nested ones too), enums,
 * `repeated`, `map<K, V>`, `oneof` (fields kept flat), field options, `reserved`, services of
 * unary rpcs — and throws on anything else, so a new construct in the file is noticed, not
 * misread.
 *
 * @example
 *   const schema = parseProtoSchema(text);
 *   schema.messages.get("runtime.v1.StopContainerRequest")!.fields[1]  // { name: "timeout", no: 2, type: "int64", … }
 */

export type ScalarType = "string" | "bytes" | "bool" | "int32" | "uint32" | "sint32" | "int64" | "uint64" | "sint64" | "double" | "float" | "fixed32" | "fixed64" | "sfixed32" | "sfixed64";

const SCALARS = new Set<string>(["string", "bytes", "bool", "int32", "uint32", "sint32", "int64", "uint64", "sint64", "double", "float", "fixed32", "fixed64", "sfixed32", "sfixed64"]);

export interface FieldDef {
  /** camelCase, as protobufjs (keepCase: false) names it: `pod_sandbox_id` → `podSandboxId`. */
  name: string;
  no: number;
  repeated: boolean;
  /** A scalar type name, or the full name of a message or enum (`runtime.v1.Mount`). */
  type: string;
  kind: "scalar" | "enum" | "message";
  /** For `map<K, V>`: the key's scalar type; `type`/`kind` then describe the value. */
  mapKey?: ScalarType;
}

export interface MessageDef {
  name: string;
  fields: FieldDef[];
  byNo: Map<number, FieldDef>;
}

export interface EnumDef {
  name: string;
  byNumber: Map<number, string>;
  byName: Map<string, number>;
  /** The name of value 0, proto3's default. */
  zero: string;
}

export interface MethodDef {
  /** `/runtime.v1.RuntimeService/Version`, the HTTP/2 path of the call. */
  path: string;
  request: string;
  response: string;
}

export interface ProtoSchema {
  messages: Map<string, MessageDef>;
  enums: Map<string, EnumDef>;
  /** service short name → method name → method. */
  services: Map<string, Map<string, MethodDef>>;
}

/** protobufjs's camelCase: an underscore followed by a letter drops and upper-cases it. */
export function camelCase(name: string): string {
  return name.replace(/_([a-zA-Z])/g, (_, c: string) => c.toUpperCase());
}

function tokenize(text: string): string[] {
  const withoutComments = text.replace(/\/\*[\s\S]*?\*\//g, " ").replace(/\/\/[^\n]*/g, " ");
  return withoutComments.match(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[A-Za-z_][A-Za-z0-9_.]*|-?\d+|[{}()<>;=,\[\]]/g) ?? [];
}

interface RawField { name: string; no: number; repeated: boolean; type: string; mapKey?: string; scope: string }

export function parseProtoSchema(text: string): ProtoSchema {
  const t = tokenize(text);
  let i = 0;
  const peek = () => t[i];
  const next = (): string => {
    if (i >= t.length) throw new Error("proto: unexpected end of file");
    return t[i++]!;
  };
  const expect = (tok: string) => {
    const got = next();
    if (got !== tok) throw new Error(`proto: expected "${tok}", found "${got}" at token ${i - 1}`);
  };
  const skipStatement = () => {
    while (next() !== ";");
  };
  const skipBracketed = (open: string, close: string) => {
    expect(open);
    for (let depth = 1; depth > 0; ) {
      const tok = next();
      if (tok === open) depth++;
      else if (tok === close) depth--;
    }
  };
  const number = (): number => {
    const n = Number(next());
    if (!Number.isInteger(n)) throw new Error(`proto: expected a number at token ${i - 1}`);
    return n;
  };

  let pkg = "";
  const rawMessages = new Map<string, RawField[]>();
  const enums = new Map<string, EnumDef>();
  const services = new Map<string, Map<string, MethodDef>>();

  function parseEnum(scope: string) {
    const name = `${scope}.${next()}`;
    const def: EnumDef = { name, byNumber: new Map(), byName: new Map(), zero: "" };
    expect("{");
    while (peek() !== "}") {
      const tok = next();
      if (tok === "option" || tok === "reserved") { skipStatement(); continue; }
      expect("=");
      const n = number();
      if (peek() === "[") skipBracketed("[", "]");
      expect(";");
      def.byName.set(tok, n);
      if (!def.byNumber.has(n)) def.byNumber.set(n, tok);
      if (n === 0 && def.zero === "") def.zero = tok;
    }
    expect("}");
    enums.set(name, def);
  }

  function parseField(first: string, scope: string, fields: RawField[]) {
    let repeated = false;
    let type = first;
    let mapKey: string | undefined;
    if (type === "repeated" || type === "optional") {
      repeated = type === "repeated";
      type = next();
    }
    if (type === "map") {
      expect("<");
      mapKey = next();
      expect(",");
      type = next();
      expect(">");
    }
    const name = next();
    expect("=");
    const no = number();
    if (peek() === "[") skipBracketed("[", "]");
    expect(";");
    fields.push({ name: camelCase(name), no, repeated, type, mapKey, scope });
  }

  function parseMessage(scope: string) {
    const name = `${scope}.${next()}`;
    const fields: RawField[] = [];
    expect("{");
    while (peek() !== "}") {
      const tok = next();
      if (tok === "message") parseMessage(name);
      else if (tok === "enum") parseEnum(name);
      else if (tok === "option" || tok === "reserved" || tok === "extensions") skipStatement();
      else if (tok === "oneof") {
        next();
        expect("{");
        while (peek() !== "}") parseField(next(), name, fields);
        expect("}");
      } else if (tok === ";") continue;
      else parseField(tok, name, fields);
    }
    expect("}");
    rawMessages.set(name, fields);
  }

  function parseService() {
    const name = next();
    const methods = new Map<string, MethodDef>();
    expect("{");
    while (peek() !== "}") {
      const tok = next();
      if (tok === "option") { skipStatement(); continue; }
      if (tok !== "rpc") throw new Error(`proto: expected rpc in service ${name}, found "${tok}"`);
      const method = next();
      expect("(");
      let request = next();
      if (request === "stream") throw new Error(`proto: ${name}.${method} streams; only unary calls are supported`);
      expect(")");
      expect("returns");
      expect("(");
      let response = next();
      if (response === "stream") throw new Error(`proto: ${name}.${method} streams; only unary calls are supported`);
      expect(")");
      if (peek() === "{") skipBracketed("{", "}");
      else expect(";");
      request = request.includes(".") ? request : `${pkg}.${request}`;
      response = response.includes(".") ? response : `${pkg}.${response}`;
      methods.set(method, { path: `/${pkg ? `${pkg}.` : ""}${name}/${method}`, request, response });
    }
    expect("}");
    services.set(name, methods);
  }

  while (i < t.length) {
    const tok = next();
    if (tok === "syntax") {
      expect("=");
      const v = next();
      if (v.slice(1, -1) !== "proto3") throw new Error(`proto: only proto3 is supported, found ${v}`);
      expect(";");
    } else if (tok === "package") {
      pkg = next();
      expect(";");
    } else if (tok === "option" || tok === "import") skipStatement();
    else if (tok === "message") parseMessage(pkg);
    else if (tok === "enum") parseEnum(pkg);
    else if (tok === "service") parseService();
    else if (tok !== ";") throw new Error(`proto: unexpected "${tok}" at token ${i - 1}`);
  }

  /** Proto's scoping: innermost enclosing message first, then outwards to the package. */
  const resolve = (type: string, scope: string): string => {
    for (let s = scope; ; s = s.slice(0, Math.max(0, s.lastIndexOf(".")))) {
      const candidate = s ? `${s}.${type}` : type;
      if (rawMessages.has(candidate) || enums.has(candidate)) return candidate;
      if (!s) break;
    }
    throw new Error(`proto: unknown type ${type} in ${scope}`);
  };

  const messages = new Map<string, MessageDef>();
  for (const [name, raw] of rawMessages) {
    const fields = raw.map((f): FieldDef => {
      if (f.mapKey !== undefined && !SCALARS.has(f.mapKey)) throw new Error(`proto: map key ${f.mapKey} in ${name}`);
      if (SCALARS.has(f.type)) return { name: f.name, no: f.no, repeated: f.repeated, type: f.type, kind: "scalar", mapKey: f.mapKey as ScalarType | undefined };
      const full = resolve(f.type, f.scope);
      return { name: f.name, no: f.no, repeated: f.repeated, type: full, kind: enums.has(full) ? "enum" : "message", mapKey: f.mapKey as ScalarType | undefined };
    });
    messages.set(name, { name, fields, byNo: new Map(fields.map((f) => [f.no, f])) });
  }
  for (const methods of services.values()) {
    for (const m of methods.values()) {
      if (!messages.has(m.request) || !messages.has(m.response)) throw new Error(`proto: ${m.path} names an unknown message`);
    }
  }
  return { messages, enums, services };
}
