/**
 * Which encoding of /openapi/v2 a request's Accept asks for, as kube-openapi's handler picks
 * it: clauses by preference (q, then order), each matched with wildcards against JSON, the
 * deprecated protobuf name kubectl sends (`…spec.v2@v1.0+protobuf`) and the current one
 * (`…spec.v2.v1.0+protobuf`); the first match wins. No Accept means `*\/*` (JSON).
 */
export type OpenApiV2Encoding = "json" | "protobuf";

/** What the protobuf form is served as (also for the deprecated name, as kube-openapi does). */
export const OPENAPI_V2_PROTOBUF = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf";

const OFFERS: [string, OpenApiV2Encoding][] = [
  ["json", "json"],
  ["com.github.proto-openapi.spec.v2@v1.0+protobuf", "protobuf"],
  ["com.github.proto-openapi.spec.v2.v1.0+protobuf", "protobuf"],
];

/** @example openapiV2Encoding("application/com.github.proto-openapi.spec.v2@v1.0+protobuf") // "protobuf" */
export function openapiV2Encoding(accept: string | undefined): OpenApiV2Encoding | undefined {
  const clauses = (accept?.trim() ? accept : "*/*")
    .split(",")
    .map((raw, i) => {
      const [range = "", ...params] = raw.split(";").map((x) => x.trim());
      const q = params.map((p) => /^q=([\d.]+)$/i.exec(p)?.[1]).find((x) => x !== undefined);
      const [type = "", subtype = ""] = range.toLowerCase().split("/");
      return { type, subtype, q: q === undefined ? 1 : Number(q), i };
    })
    .filter((c) => c.type && c.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
  for (const c of clauses)
    for (const [subtype, enc] of OFFERS) {
      if (c.type !== "application" && c.type !== "*") continue;
      if (c.subtype === subtype || c.subtype === "*") return enc;
    }
  return undefined;
}
