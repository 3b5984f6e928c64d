import { describe, expect, test } from "bun:test";
import { attributesOf } from "./attributes.ts";
import { ruleAllows } from "./rbac/rule-match.ts";

const user = { user: "u", groups: [] };
const at = (method: string, path: string) => attributesOf(user, method, new URL(`https://h${path}`));

describe("attributesOf", () => {
  test("a list or watch by metadata.name is a request for that object", () => {
    expect(at("GET", "/api/v1/namespaces/y/configmaps?fieldSelector=metadata.name%3Dcm")).toMatchObject({ verb: "list", resource: "configmaps", namespace: "y", name: "cm" });
    expect(at("GET", "/api/v1/namespaces/y/configmaps?watch=1&fieldSelector=metadata.name%3D%3Dcm")).toMatchObject({ verb: "watch", name: "cm" });
    expect(at("GET", "/api/v1/watch/namespaces/y/secrets?fieldSelector=type%3Dx,metadata.name%3Ds")).toMatchObject({ verb: "watch", name: "s" });
  });

  test("other selectors, and other verbs, name nothing", () => {
    for (const q of ["metadata.name!%3Dcm", "metadata.namespace%3Dy", "metadata.name%3D..", "metadata.name%3Da%2Fb", "metadata.name%3D", "%3D%3D%3D"]) {
      expect({ q, name: at("GET", `/api/v1/namespaces/y/configmaps?fieldSelector=${q}`).name }).toEqual({ q, name: undefined });
    }
    expect(at("DELETE", "/api/v1/namespaces/y/configmaps?fieldSelector=metadata.name%3Dcm")).toMatchObject({ verb: "deletecollection", name: undefined });
    // The path's name wins: the handler refuses a selector naming another.
    expect(at("GET", "/api/v1/namespaces/y/configmaps/a?fieldSelector=metadata.name%3Db").name).toBe("a");
  });

  test("RBAC resourceNames allow the watch of a named object, and only of it", () => {
    const rule = { apiGroups: [""], resources: ["configmaps"], verbs: ["get", "list", "watch"], resourceNames: ["cm"] };
    expect(ruleAllows(at("GET", "/api/v1/namespaces/y/configmaps?watch=1&fieldSelector=metadata.name%3Dcm"), rule)).toBe(true);
    expect(ruleAllows(at("GET", "/api/v1/namespaces/y/configmaps?watch=1&fieldSelector=metadata.name%3Dother"), rule)).toBe(false);
    expect(ruleAllows(at("GET", "/api/v1/namespaces/y/configmaps?watch=1"), rule)).toBe(false);
  });
});
