import { describe, expect, test } from "bun:test";
import { Discovery, pickKind, pickResource, pluralName, qualifiedName, resourcePath, type ApiResource, type DiscoveryClient } from "./discovery.ts";

const res = (plural: string, kind: string, namespaced: boolean, shortNames: string[] = []) =>
  ({ name: plural, singularName: kind.toLowerCase(), kind, namespaced, shortNames, verbs: ["get"] });

const DOCS: Record<string, any> = {
  "/api/v1": { resources: [res("pods", "Pod", true, ["po"]), { name: "pods/log", kind: "Pod" }, res("namespaces", "Namespace", false, ["ns"]), res("events", "Event", true, ["ev"])] },
  "/apis": {
    groups: [
      { name: "apps", preferredVersion: { version: "v1" }, versions: [{ version: "v1" }] },
      { name: "events.k8s.io", preferredVersion: { version: "v1" } },
      { name: "metrics.k8s.io", preferredVersion: { version: "v1beta1" } },
    ],
  },
  "/apis/apps/v1": { resources: [res("deployments", "Deployment", true, ["deploy"]), { name: "deployments/scale", kind: "Scale" }] },
  "/apis/events.k8s.io/v1": { resources: [res("events", "Event", true, ["ev"])] },
};

/** Serves DOCS; metrics.k8s.io fails like an aggregated API whose backend is down. */
function fakeClient(): DiscoveryClient & { calls: string[]; docs: Record<string, any> } {
  const docs = structuredClone(DOCS);
  const calls: string[] = [];
  return {
    calls,
    docs,
    async request(path: string) {
      calls.push(path);
      if (!(path in docs)) throw new Error(`503 for ${path}`);
      return structuredClone(docs[path]);
    },
  };
}

describe("Discovery.resolve", () => {
  test.each([
    ["pods", "", "pods"],
    ["pod", "", "pods"],
    ["po", "", "pods"],
    ["Pod", "", "pods"],
    ["PODS", "", "pods"],
    ["deploy", "apps", "deployments"],
    ["deployment", "apps", "deployments"],
    ["Deployment", "apps", "deployments"],
    ["deployments.apps", "apps", "deployments"],
    ["deployment.v1.apps", "apps", "deployments"],
    ["ns", "", "namespaces"],
    // The same name in two groups: core first, as kubectl prints core events for `get ev`.
    ["events", "", "events"],
    ["ev", "", "events"],
    ["events.events.k8s.io", "events.k8s.io", "events"],
  ])("%s → %s/%s", async (typed, group, plural) => {
    const r = await new Discovery(fakeClient()).resolve(typed);
    expect([r.group, r.plural]).toEqual([group, plural]);
  });

  test("subresources are not resources", async () => {
    const all = await new Discovery(fakeClient()).all();
    expect(all.map((r) => r.plural)).not.toContain("pods/log");
    expect(all.find((r) => r.plural === "deployments")).toMatchObject({ group: "apps", version: "v1", plural: "deployments", singular: "deployment", kind: "Deployment", namespaced: true, shortNames: ["deploy"] });
  });

  test("loads once per instance; a failing group does not hide the others", async () => {
    const c = fakeClient();
    const d = new Discovery(c);
    await d.resolve("po");
    await d.resolve("deploy");
    expect(c.calls.filter((p) => p === "/api/v1")).toHaveLength(1);
    expect(c.calls).toContain("/apis/metrics.k8s.io/v1beta1");
  });

  test("a miss reloads once, then names the type", async () => {
    const c = fakeClient();
    const d = new Discovery(c);
    await d.all();
    c.docs["/apis/apps/v1"].resources.push(res("statefulsets", "StatefulSet", true, ["sts"]));
    expect((await d.resolve("sts")).kind).toBe("StatefulSet");
    await expect(d.resolve("widgets")).rejects.toThrow('the server doesn\'t have a resource type "widgets"');
    expect(c.calls.filter((p) => p === "/api/v1")).toHaveLength(3);
  });

  test("a failed load is retried by the next call", async () => {
    const c = fakeClient();
    const d = new Discovery(c);
    const saved = c.docs["/apis"];
    delete c.docs["/apis"];
    await expect(d.all()).rejects.toThrow("503 for /apis");
    c.docs["/apis"] = saved;
    expect((await d.resolve("deploy")).group).toBe("apps");
  });
});

describe("Discovery.forKind", () => {
  test("apiVersion + kind, keeping the manifest's version", async () => {
    const d = new Discovery(fakeClient());
    expect(await d.forKind("apps/v1", "Deployment")).toMatchObject({ group: "apps", version: "v1", plural: "deployments" });
    expect(await d.forKind("v1", "Pod")).toMatchObject({ group: "", version: "v1", plural: "pods" });
    expect((await d.forKind("apps/v1beta2", "Deployment")).version).toBe("v1beta2");
    await expect(d.forKind("example.com/v1", "Widget")).rejects.toThrow('no matches for kind "Widget" in version "example.com/v1"');
    await expect(d.forKind("v1", "Deployment")).rejects.toThrow('no matches for kind "Deployment" in version "v1"');
  });
});

describe("names and paths", () => {
  const deploy: ApiResource = { group: "apps", version: "v1", plural: "deployments", singular: "deployment", kind: "Deployment", namespaced: true, shortNames: [] };
  const ns: ApiResource = { group: "", version: "v1", plural: "namespaces", singular: "namespace", kind: "Namespace", namespaced: false, shortNames: [] };
  test.each([
    [deploy, "shop", "web", "/apis/apps/v1/namespaces/shop/deployments/web"],
    [deploy, "shop", undefined, "/apis/apps/v1/namespaces/shop/deployments"],
    [deploy, undefined, undefined, "/apis/apps/v1/deployments"],
    [ns, "ignored", "shop", "/api/v1/namespaces/shop"],
    [deploy, "a b", "x:y", "/apis/apps/v1/namespaces/a%20b/deployments/x%3Ay"],
  ])("resourcePath %#", (r, n, name, want) => {
    expect(resourcePath(r, n, name)).toBe(want);
  });
  test("kubectl's message names", () => {
    expect(qualifiedName(deploy, "web")).toBe("deployment.apps/web");
    expect(qualifiedName(ns, "shop")).toBe("namespace/shop");
    expect(pluralName(deploy)).toBe("deployments.apps");
    expect(pluralName(ns)).toBe("namespaces");
  });
  test("pickResource and pickKind on an empty list", () => {
    expect(pickResource([], "pods")).toBeUndefined();
    expect(pickKind([], "v1", "Pod")).toBeUndefined();
  });
});
