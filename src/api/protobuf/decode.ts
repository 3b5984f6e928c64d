/**
 * Decoding of Kubernetes' protobuf request bodies (`application/vnd.kubernetes.protobuf`).
 * kubectl 1.32's typed clients (`kubectl create namespace|deployment|…`, `run`, `expose`,
 * drain's evictions) send protobuf and do not fall back on a 415, so the API must read it.
 *
 * The envelope is the 4-byte magic `k8s\0` and a runtime.Unknown {typeMeta, raw}; `raw` is
 * the object's message. Field numbers and types come from k8s-messages.json, a table of the
 * Kubernetes API's generated.proto definitions (facts: message → [number, name, type,
 * repeated]). Proto field names are the JSON names, so the result is the object's JSON form.
 * Responses stay JSON: clients decode by the response's Content-Type.
 */
import messages from "./k8s-messages.json" with { type: "json" };
import { errors } from "../../model/errors.ts";
import { checkDepth, MAX_DEPTH } from "../nesting.ts";

type Field = [number, string, string, number];
const MESSAGES = messages as unknown as Record<string, Field[]>;
const INDEX = new Map<string, Map<number, Field>>();
function fieldsOf(type: string): Map<number, Field> | undefined {
  let m = INDEX.get(type);
  if (!m) {
    const list = MESSAGES[type];
    if (!list) return undefined;
    m = new Map(list.map((f) => [f[0], f]));
    INDEX.set(type, m);
  }
  return m;
}

export const PROTOBUF_MEDIA_TYPE = "application/vnd.kubernetes.protobuf";
const MAGIC = [0x6b, 0x38, 0x73, 0x00];

/** Proto package of an API group/version (`apps`, `v1` → `api.apps.v1`). */
const GROUP_PACKAGES: Record<string, string> = {
  "": "api.core",
  apps: "api.apps",
  batch: "api.batch",
  policy: "api.policy",
  "networking.k8s.io": "api.networking",
  "coordination.k8s.io": "api.coordination",
  autoscaling: "api.autoscaling",
  "meta.k8s.io": "apimachinery.pkg.apis.meta",
  "rbac.authorization.k8s.io": "api.rbac",
  "authorization.k8s.io": "api.authorization",
  "authentication.k8s.io": "api.authentication",
  "scheduling.k8s.io": "api.scheduling",
};

/**
 * Fields Go embeds with `json:",inline"`, by message type: protobuf carries them as a nested
 * message, JSON has their fields in the parent (`{name, hostPath}`, not
 * `{name, volumeSource: {hostPath}}`).
 */
const INLINE = new Map<string, Set<string>>([
  ["api.core.v1.Volume", new Set(["volumeSource"])],
  ["api.core.v1.PersistentVolumeSpec", new Set(["persistentVolumeSource"])],
  ["api.core.v1.Probe", new Set(["handler"])],
  ["api.core.v1.EphemeralContainer", new Set(["ephemeralContainerCommon"])],
  ["api.core.v1.ConfigMapEnvSource", new Set(["localObjectReference"])],
  ["api.core.v1.ConfigMapKeySelector", new Set(["localObjectReference"])],
  ["api.core.v1.ConfigMapProjection", new Set(["localObjectReference"])],
  ["api.core.v1.ConfigMapVolumeSource", new Set(["localObjectReference"])],
  ["api.core.v1.SecretEnvSource", new Set(["localObjectReference"])],
  ["api.core.v1.SecretKeySelector", new Set(["localObjectReference"])],
  ["api.core.v1.SecretProjection", new Set(["localObjectReference"])],
  ["api.networking.v1.IngressRule", new Set(["ingressRuleValue"])],
]);

/** Older versions whose messages have the same fields as a newer one in the table. */
const SAME_AS: Record<string, string> = {
  // pods/eviction still takes policy/v1beta1 Evictions (AcceptsGroupVersion).
  "api.policy.v1beta1.Eviction": "api.policy.v1.Eviction",
};

class Reader {
  pos = 0;
  constructor(readonly buf: Uint8Array, readonly end = buf.length) {}
  done(): boolean {
    return this.pos >= this.end;
  }
  varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (this.pos >= this.end) throw new Error("truncated varint");
      const b = this.buf[this.pos++]!;
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
      if (shift > 63n) throw new Error("varint too long");
    }
  }
  bytes(): Uint8Array {
    const len = Number(this.varint());
    if (len < 0 || this.pos + len > this.end) throw new Error("truncated length-delimited field");
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }
  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) this.pos += 8;
    else if (wire === 2) this.bytes();
    else if (wire === 5) this.pos += 4;
    else throw new Error(`unsupported wire type ${wire}`);
    if (this.pos > this.end) throw new Error("truncated field");
  }
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

function toInt(v: bigint, type: string): number {
  if (type === "int32") return Number(BigInt.asIntN(32, v));
  if (type === "sint32" || type === "sint64") return Number((v >> 1n) ^ -(v & 1n));
  if (type === "uint32" || type === "uint64") return Number(v);
  return Number(BigInt.asIntN(64, v));
}

function scalar(r: Reader, wire: number, type: string): unknown {
  switch (type) {
    case "string":
      return utf8.decode(r.bytes());
    case "bytes":
      return Buffer.from(r.bytes()).toString("base64");
    case "bool":
      return r.varint() !== 0n;
    case "double": {
      const v = new DataView(r.buf.buffer, r.buf.byteOffset + r.pos, 8).getFloat64(0, true);
      r.pos += 8;
      return v;
    }
    case "float": {
      const v = new DataView(r.buf.buffer, r.buf.byteOffset + r.pos, 4).getFloat32(0, true);
      r.pos += 4;
      return v;
    }
    default:
      if (wire !== 0) throw new Error(`field of type ${type} has wire type ${wire}`);
      return toInt(r.varint(), type);
  }
}

/** Kubernetes' special messages have JSON forms of their own. */
function special(type: string, obj: Record<string, any>): unknown {
  switch (type) {
    case "apimachinery.pkg.apis.meta.v1.Time":
    case "apimachinery.pkg.apis.meta.v1.MicroTime": {
      if (!obj.seconds && !obj.nanos) return undefined; // the zero time: JSON null, i.e. absent
      const d = new Date((obj.seconds ?? 0) * 1000 + Math.floor((obj.nanos ?? 0) / 1e6));
      const iso = d.toISOString();
      if (type.endsWith("MicroTime")) return iso.replace(/\.(\d{3})Z$/, (_, ms) => `.${ms}${String(Math.floor(((obj.nanos ?? 0) % 1e6) / 1e3)).padStart(3, "0")}Z`);
      return iso.replace(/\.\d{3}Z$/, "Z");
    }
    case "apimachinery.pkg.api.resource.Quantity":
      return obj.string ?? "0";
    case "apimachinery.pkg.util.intstr.IntOrString":
      return obj.type === 1 ? obj.strVal ?? "" : obj.intVal ?? 0;
    case "apimachinery.pkg.runtime.RawExtension":
    case "apimachinery.pkg.apis.meta.v1.FieldsV1": {
      const raw = obj.raw ?? obj.Raw;
      if (!raw) return undefined;
      return JSON.parse(Buffer.from(raw, "base64").toString("utf8"));
    }
    case "apimachinery.pkg.apis.meta.v1.Duration":
      return `${(obj.duration ?? 0) / 1e9}s`;
    default:
      return obj;
  }
}

function decodeMessage(type: string, buf: Uint8Array, depth: number): unknown {
  if (depth > MAX_DEPTH) throw new Error("message nested too deeply");
  const fields = fieldsOf(type);
  if (!fields) throw new Error(`unknown message type ${type}`);
  const inline = INLINE.get(type);
  const r = new Reader(buf);
  const out: Record<string, any> = {};
  while (!r.done()) {
    const tag = Number(r.varint());
    const num = tag >>> 3;
    const wire = tag & 7;
    const f = fields.get(num);
    if (!f) {
      r.skip(wire);
      continue;
    }
    const [, name, ftype, repeated] = f;
    if (ftype.startsWith("map<")) {
      const [kt, vt] = ftype.slice(4, -1).split(",") as [string, string];
      const entry = new Reader(r.bytes());
      let key: unknown = "";
      let value: unknown = vt === "string" || vt === "bytes" ? "" : undefined;
      while (!entry.done()) {
        const t = Number(entry.varint());
        const w = t & 7;
        if (t >>> 3 === 1) key = scalar(entry, w, kt);
        else if (t >>> 3 === 2) value = isScalar(vt) ? scalar(entry, w, vt) : decodeMessage(vt, entry.bytes(), depth + 1);
        else entry.skip(w);
      }
      // Map values are messages like any other: a Quantity is its string (`requests.cpu: "1"`).
      if (!isScalar(vt)) value = special(vt, (value ?? {}) as Record<string, any>);
      (out[name] ??= {})[String(key)] = value;
      continue;
    }
    let value: unknown;
    if (isScalar(ftype)) {
      // Packed repeated scalars (proto3 style) arrive as one length-delimited field.
      if (repeated && wire === 2 && ftype !== "string" && ftype !== "bytes") {
        const packed = new Reader(r.bytes());
        const list = (out[name] ??= []);
        while (!packed.done()) list.push(scalar(packed, 0, ftype));
        continue;
      }
      value = scalar(r, wire, ftype);
    } else {
      if (wire !== 2) throw new Error(`message field ${name} has wire type ${wire}`);
      value = special(ftype, decodeMessage(ftype, r.bytes(), depth + 1) as Record<string, any>);
    }
    if (repeated) (out[name] ??= []).push(value);
    else if (inline?.has(name) && value && typeof value === "object") Object.assign(out, value);
    else out[name] = value;
  }
  // Go writes non-pointer strings even when empty; JSON (omitempty) would not have them.
  for (const [k, v] of Object.entries(out)) if (v === "" || v === undefined) delete out[k];
  return out;
}

function isScalar(t: string): boolean {
  return !t.includes(".");
}

/** Decodes a protobuf-enveloped object into its JSON form, with apiVersion and kind set, no deeper than MAX_DEPTH. */
export function decodeProtobufObject(body: Uint8Array): Record<string, any> {
  if (body.length < 4 || MAGIC.some((b, i) => body[i] !== b)) {
    throw errors.badRequest("the body of the request was in protobuf form but did not start with the Kubernetes magic prefix");
  }
  try {
    const unknown = decodeMessage("apimachinery.pkg.runtime.Unknown", body.subarray(4), 0) as Record<string, any>;
    const apiVersion: string = unknown.typeMeta?.apiVersion ?? "";
    const kind: string = unknown.typeMeta?.kind ?? "";
    const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
    let pkg = GROUP_PACKAGES[group!];
    // DeleteOptions and other meta kinds travel under any group's version.
    if (!MESSAGES[`${pkg}.${version}.${kind}`] && MESSAGES[`apimachinery.pkg.apis.meta.v1.${kind}`]) pkg = "apimachinery.pkg.apis.meta";
    const type = SAME_AS[`${pkg}.${version}.${kind}`] ?? `${pkg}.${version}.${kind}`;
    if (!pkg || !MESSAGES[type]) throw errors.unsupportedMediaType(`${PROTOBUF_MEDIA_TYPE} for ${apiVersion} ${kind}`);
    const raw = unknown.raw ? Buffer.from(unknown.raw, "base64") : new Uint8Array();
    const obj = decodeMessage(type, raw, 0) as Record<string, any>;
    // RawExtension and FieldsV1 carry JSON of any depth inside the message (a 10,001-deep
    // managedFields entry breaks every Go client that lists the object), so the whole result is measured.
    checkDepth(obj);
    return { apiVersion, kind, ...obj };
  } catch (e) {
    if (e instanceof Error && e.name === "StatusError") throw e;
    throw errors.badRequest(`the body of the request could not be decoded as protobuf: ${(e as Error).message}`);
  }
}
