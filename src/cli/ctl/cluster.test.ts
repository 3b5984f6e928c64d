import { expect, test } from "bun:test";
import type { ApiResource } from "../../client/discovery.ts";
import { renderApiResources } from "./cluster.ts";

const r = (plural: string, group: string, kind: string, namespaced: boolean, shortNames: string[] = []): ApiResource => ({ plural, group, kind, namespaced, shortNames, version: "v1", singular: kind.toLowerCase(), verbs: ["list", "get"] });

test("api-resources: group then name, kubectl's columns, name and wide forms", () => {
  const all = [r("deployments", "apps", "Deployment", true, ["deploy"]), r("pods", "", "Pod", true, ["po"]), r("configmaps", "", "ConfigMap", true, ["cm"])];
  expect(renderApiResources(all, {})).toBe(
    "NAME          SHORTNAMES   APIVERSION   NAMESPACED   KIND\nconfigmaps    cm           v1           true         ConfigMap\npods          po           v1           true         Pod\ndeployments   deploy       apps/v1      true         Deployment\n",
  );
  expect(renderApiResources(all, { output: "name" })).toBe("configmaps\npods\ndeployments.apps\n");
  expect(renderApiResources(all, { output: "wide", noHeaders: true, apiGroup: "apps" })).toBe("deployments   deploy   apps/v1   true   Deployment   get,list   \n");
});
