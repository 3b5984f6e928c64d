import { expect, test } from "bun:test";
import { ENFORCED_REQUIRED } from "./required-fields.ts";
import { openapiDefs } from "./defs.ts";

test("every enforced required field is required by the OpenAPI definition it is listed under", () => {
  const defs = openapiDefs().definitions;
  for (const [name, fields] of Object.entries(ENFORCED_REQUIRED)) {
    expect({ name, fields: fields.filter((f) => !defs[name]?.required?.includes(f)) }).toEqual({ name, fields: [] });
  }
});
