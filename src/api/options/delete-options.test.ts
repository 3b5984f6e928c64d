import { describe, expect, test } from "bun:test";
import { StatusError } from "../../model/errors.ts";
import { readDeleteOptions } from "./delete-options.ts";

function refusal(body: Record<string, unknown> | undefined, query = ""): StatusError {
  try {
    readDeleteOptions(body, new URLSearchParams(query));
  } catch (e) {
    if (e instanceof StatusError) return e;
    throw e;
  }
  throw new Error("expected a refusal");
}

describe("DeleteOptions from a body", () => {
  test.each([
    [{ dryRun: "All" }, "json: cannot unmarshal string into Go struct field DeleteOptions.dryRun of type []string"],
    [{ dryRun: [1] }, "json: cannot unmarshal number into Go struct field DeleteOptions.dryRun of type string"],
    [{ dryRun: { All: true } }, "json: cannot unmarshal object into Go struct field DeleteOptions.dryRun of type []string"],
    [{ gracePeriodSeconds: "abc" }, "json: cannot unmarshal string into Go struct field DeleteOptions.gracePeriodSeconds of type int64"],
    [{ gracePeriodSeconds: 1e300 }, "json: cannot unmarshal number 1e+300 into Go struct field DeleteOptions.gracePeriodSeconds of type int64"],
    [{ gracePeriodSeconds: 1.5 }, "json: cannot unmarshal number 1.5 into Go struct field DeleteOptions.gracePeriodSeconds of type int64"],
    [{ gracePeriodSeconds: 2 ** 63 }, "json: cannot unmarshal number 9223372036854776000 into Go struct field DeleteOptions.gracePeriodSeconds of type int64"],
    [{ orphanDependents: "true" }, "json: cannot unmarshal string into Go struct field DeleteOptions.orphanDependents of type bool"],
    [{ propagationPolicy: 1 }, "json: cannot unmarshal number into Go struct field DeleteOptions.propagationPolicy of type v1.DeletionPropagation"],
    [{ preconditions: "x" }, "json: cannot unmarshal string into Go struct field DeleteOptions.preconditions of type v1.Preconditions"],
    [{ preconditions: { uid: 5 } }, "json: cannot unmarshal number into Go struct field Preconditions.preconditions.uid of type types.UID"],
    [{ preconditions: { resourceVersion: ["1"] } }, "json: cannot unmarshal array into Go struct field Preconditions.preconditions.resourceVersion of type string"],
  ])("%j is a 400: %s", (body, message) => {
    const e = refusal(body);
    expect(e.code).toBe(400);
    expect(e.reason).toBe("BadRequest");
    expect(e.message).toBe(message);
  });

  test.each([
    [{ dryRun: ["all"] }, 'DeleteOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: []string{"all"}: supported values: "All"'],
    [{ dryRun: ["All", "x"] }, 'DeleteOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: []string{"All", "x"}: supported values: "All"'],
    [{ propagationPolicy: "Sideways" }, 'DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: "Sideways": supported values: "Foreground", "Background", "Orphan", "nil"'],
    [{ propagationPolicy: "Foreground", orphanDependents: false }, 'DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Invalid value: "Foreground": orphanDependents and deletionPropagation cannot be both set'],
  ])("%j is a 422", (body, message) => {
    const e = refusal(body);
    expect(e.code).toBe(422);
    expect(e.reason).toBe("Invalid");
    expect(e.message).toBe(message);
    expect(e.details?.kind).toBe("DeleteOptions");
  });

  test("good options pass through; a negative grace period means 1 second; nulls are absent", () => {
    expect(readDeleteOptions({ kind: "DeleteOptions", apiVersion: "v1", dryRun: ["All"], gracePeriodSeconds: 0, propagationPolicy: "Foreground", preconditions: { uid: "u", resourceVersion: "5" } }, new URLSearchParams())).toEqual({
      dryRun: true,
      gracePeriodSeconds: 0,
      propagationPolicy: "Foreground",
      preconditions: { uid: "u", resourceVersion: "5" },
    });
    expect(readDeleteOptions({ gracePeriodSeconds: -5 }, new URLSearchParams())).toEqual({ gracePeriodSeconds: 1 });
    expect(readDeleteOptions({ gracePeriodSeconds: null, dryRun: null, preconditions: null }, new URLSearchParams())).toEqual({});
  });

  test("a body wins over the query, except that a dry run asked for in the query still holds", () => {
    expect(readDeleteOptions({ gracePeriodSeconds: 3 }, new URLSearchParams("gracePeriodSeconds=abc&dryRun=All"))).toEqual({ gracePeriodSeconds: 3, dryRun: true });
    expect(refusal({}, "dryRun=all").code).toBe(422);
  });

  test("another kind in the body is a 400", () => {
    expect(refusal({ kind: "Pod" }).code).toBe(400);
  });
});

describe("DeleteOptions from the query", () => {
  test.each([
    ["gracePeriodSeconds=abc", 400, 'strconv.ParseInt: parsing "abc": invalid syntax'],
    ["gracePeriodSeconds=", 400, 'strconv.ParseInt: parsing "": invalid syntax'],
    ["gracePeriodSeconds=1e300", 400, 'strconv.ParseInt: parsing "1e300": invalid syntax'],
    ["gracePeriodSeconds=9223372036854775808", 400, 'strconv.ParseInt: parsing "9223372036854775808": value out of range'],
    ["dryRun=all", 422, 'DeleteOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: []string{"all"}: supported values: "All"'],
    ["propagationPolicy=x", 422, 'DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: "x": supported values: "Foreground", "Background", "Orphan", "nil"'],
    ["propagationPolicy=Orphan&orphanDependents=true", 422, 'DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Invalid value: "Orphan": orphanDependents and deletionPropagation cannot be both set'],
  ])("%s → %d", (query, code, message) => {
    const e = refusal(undefined, query);
    expect(e.code).toBe(code);
    expect(e.message).toBe(message);
  });

  test("good query options", () => {
    expect(readDeleteOptions(undefined, new URLSearchParams("gracePeriodSeconds=%2B7&dryRun=All&orphanDependents=false"))).toEqual({ gracePeriodSeconds: 7, dryRun: true, orphanDependents: false });
    expect(readDeleteOptions(undefined, new URLSearchParams("gracePeriodSeconds=9223372036854775807"))).toEqual({ gracePeriodSeconds: 2 ** 63 });
  });
});
