import { expect, test } from "bun:test";
import { diffFileName } from "./diff.ts";

test.each([
  ["apps/v1", "Deployment", "shop", "web", "apps.v1.Deployment.shop.web"],
  ["v1", "ConfigMap", "shop", "c", "v1.ConfigMap.shop.c"],
  ["v1", "Namespace", "", "shop", "v1.Namespace..shop"],
])("%s %s %s/%s → %s", (apiVersion, kind, ns, name, want) => {
  expect(diffFileName(apiVersion, kind, ns, name)).toBe(want);
});
