import { describe, expect, test } from "bun:test";
import { REQUEST_ORIGIN, requestTargetError, requestUrl } from "./request-target.ts";

describe("request-target", () => {
  test.each([
    "/",
    "/readyz",
    "/api/v1/namespaces/default/configmaps/a.b",
    "/api/v1/namespaces/default/configmaps/..a",
    "/api/v1/namespaces/default/configmaps/a%2Fb",
    "/api/v1/pods?labelSelector=app%3Dweb%2Ctier%20in%20(a%2Cb)&limit=500",
    "/api/v1/pods?fieldSelector=spec.nodeName=n1&watch=1",
    "//api//v1",
  ])("accepts %p, and the URL built from it names the same path", (target) => {
    expect(requestTargetError(target)).toBeUndefined();
    const u = new URL(requestUrl(target));
    expect(u.origin).toBe(REQUEST_ORIGIN);
    expect(u.pathname + u.search).toBe(target);
  });

  test.each([
    ["", "must start with /"],
    ["*", "must start with /"],
    ["http://evil/api/v1/secrets", "must start with /"],
    ["/api/v1/namespaces/default/configmaps/..", "dot segments"],
    ["/api/v1/namespaces/default/configmaps/.", "dot segments"],
    ["/api/v1/namespaces/default/configmaps/%2e%2e", "dot segments"],
    ["/api/v1/namespaces/default/configmaps/%2E.", "dot segments"],
    ["/api/v1/namespaces/default/%2e/configmaps", "dot segments"],
    ["/api/v1/namespaces/default/configmaps/..?x=1", "dot segments"],
    ["/api/v1/namespaces\\..\\secrets", "backslash"],
    ["/api/v1/pods/%zz", "percent-encoding"],
    ["/api/v1/pods/%2", "percent-encoding"],
    ["/api/v1/pods/%ff", "percent-encoding"],
    ["/api/v1/pods?labelSelector=%zz", "percent-encoding"],
    ["/api/v1/pods#frag", "fragment"],
    ["/api/v1/po\tds", "printable ASCII"],
    ["/api/v1/pods/é", "printable ASCII"],
  ])("refuses %p with a 400 saying why", (target, why) => {
    const e = requestTargetError(target);
    expect(e?.code).toBe(400);
    expect(e?.toStatus()).toMatchObject({ kind: "Status", status: "Failure", reason: "BadRequest", code: 400 });
    expect(e?.message).toContain(why);
  });

  test("a dot segment that WHATWG parsing would resolve is what is refused", () => {
    // Without the check the URL silently names the Namespace instead of a ConfigMap.
    expect(new URL(requestUrl("/api/v1/namespaces/default/configmaps/%2e%2e")).pathname).toBe("/api/v1/namespaces/default/");
    expect(requestTargetError("/api/v1/namespaces/default/configmaps/%2e%2e")).toBeDefined();
  });
});
