import { describe, expect, test } from "bun:test";
import { StatusError } from "../../model/errors.ts";
import { parseGetOptions, parseListOptions } from "./list-options.ts";

function refusal(query: string, watchPath = false): StatusError {
  try {
    parseListOptions(new URLSearchParams(query), watchPath);
  } catch (e) {
    if (e instanceof StatusError) return e;
    throw e;
  }
  throw new Error("expected a refusal");
}

describe("ListOptions", () => {
  test.each([
    ["limit=abc", 'strconv.ParseInt: parsing "abc": invalid syntax'],
    ["limit=1.5", 'strconv.ParseInt: parsing "1.5": invalid syntax'],
    ["limit=99999999999999999999", 'strconv.ParseInt: parsing "99999999999999999999": value out of range'],
    ["timeoutSeconds=soon", 'strconv.ParseInt: parsing "soon": invalid syntax'],
    ["resourceVersion=abc", 'resourceVersion: Invalid value: "abc": strconv.ParseUint: parsing "abc": invalid syntax'],
    ["resourceVersion=-1", 'resourceVersion: Invalid value: "-1": strconv.ParseUint: parsing "-1": invalid syntax'],
    ["resourceVersion=99999999999999999999", 'resourceVersion: Invalid value: "99999999999999999999": strconv.ParseUint: parsing "99999999999999999999": value out of range'],
  ])("%s is a 400", (query, message) => {
    const e = refusal(query);
    expect(e.code).toBe(400);
    expect(e.message).toBe(message);
  });

  test.each([
    ["resourceVersionMatch=Exact", "resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided"],
    ["resourceVersion=5&resourceVersionMatch=exact", 'resourceVersionMatch: Unsupported value: "exact": supported values: "Exact", "NotOlderThan", ""'],
    ["resourceVersion=0&resourceVersionMatch=Exact", 'resourceVersionMatch: Forbidden: resourceVersionMatch "exact" is forbidden for resourceVersion "0"'],
    ["resourceVersion=5&resourceVersionMatch=Exact&continue=abc", "resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden when continue is provided"],
    ["sendInitialEvents=true", "sendInitialEvents: Forbidden: sendInitialEvents is forbidden for list"],
    ["watch=1&sendInitialEvents=true", "resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan"],
    ["watch=1&resourceVersion=5&resourceVersionMatch=NotOlderThan", "resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided"],
    ["watch=1&sendInitialEvents=true&resourceVersionMatch=Exact", 'resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan, resourceVersionMatch: Unsupported value: "Exact": supported values: "NotOlderThan"'],
  ])("%s is a 422", (query, detail) => {
    const e = refusal(query);
    expect(e.code).toBe(422);
    expect(e.message).toBe(`ListOptions.meta.k8s.io "" is invalid: ${detail}`);
  });

  test("values as the parameter codec reads them", () => {
    expect(parseListOptions(new URLSearchParams("limit=-3&timeoutSeconds=0&watch=yes&allowWatchBookmarks=False"))).toMatchObject({ limit: -3, timeoutSeconds: 0, watch: true, allowWatchBookmarks: false });
    expect(parseListOptions(new URLSearchParams("watch=0")).watch).toBe(false);
    expect(parseListOptions(new URLSearchParams("watch=false")).watch).toBe(false);
    expect(parseListOptions(new URLSearchParams(""), true).watch).toBe(true);
    expect(parseListOptions(new URLSearchParams("resourceVersion=42&resourceVersionMatch=Exact"))).toMatchObject({ revision: 42, resourceVersionMatch: "Exact" });
    expect(parseListOptions(new URLSearchParams("resourceVersion=0")).revision).toBeUndefined();
    // A plain watch from now defaults to sending the initial state (SetListOptionsDefaults), which validates.
    expect(parseListOptions(new URLSearchParams("watch=1")).watch).toBe(true);
    expect(refusal("watch=1&resourceVersionMatch=NotOlderThan").code).toBe(422);
  });

  test("GetOptions: a resourceVersion must parse", () => {
    expect(parseGetOptions(new URLSearchParams("resourceVersion=7")).revision).toBe(7);
    expect(() => parseGetOptions(new URLSearchParams("resourceVersion=x"))).toThrow(StatusError);
  });
});
