import { describe, expect, test } from "bun:test";
import { openapiV2Encoding } from "./v2-media.ts";

describe("the /openapi/v2 encoding an Accept header asks for", () => {
  test.each([
    ["no Accept", undefined, "json"],
    ["*/*", "*/*", "json"],
    ["application/json", "application/json", "json"],
    ["kubectl's (client-go OpenAPISchema)", "application/com.github.proto-openapi.spec.v2@v1.0+protobuf", "protobuf"],
    ["the current protobuf name", "application/com.github.proto-openapi.spec.v2.v1.0+protobuf", "protobuf"],
    ["protobuf preferred over JSON", "application/com.github.proto-openapi.spec.v2@v1.0+protobuf, application/json", "protobuf"],
    ["by q", "application/json;q=0.5, application/com.github.proto-openapi.spec.v2.v1.0+protobuf", "protobuf"],
    ["application/*", "application/*", "json"],
    ["nothing served", "text/html", undefined],
    ["refused by q=0", "application/json;q=0", undefined],
  ] as const)("%s", (_, accept, want) => {
    expect(openapiV2Encoding(accept)).toBe(want);
  });
});
