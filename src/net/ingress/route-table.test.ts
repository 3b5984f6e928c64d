import { describe, expect, test } from "bun:test";
import { RouteTable } from "./route-table.ts";
import { type PathSpec, ingress } from "./test-objects.ts";

/** The service a request is routed to, or "default"/undefined. */
function routeOf(t: RouteTable, host: string, path: string): string | undefined {
  const m = t.match(host, path);
  return m ? (m.isDefault ? `default:${m.route.backend?.service}` : m.route.backend?.service) : undefined;
}

describe("paths, as the Kubernetes Ingress documentation's table of examples", () => {
  // Each path routes to a Service named for it; the expected value is the Service chosen.
  const P = (path: string, type: PathSpec["type"] = "Prefix"): PathSpec => ({ path, type, service: `${type}:${path}` });
  test.each([
    [[P("/")], "/anything/at/all", "Prefix:/"],
    [[P("/foo", "Exact")], "/foo", "Exact:/foo"],
    [[P("/foo", "Exact")], "/bar", undefined],
    [[P("/foo", "Exact")], "/foo/", undefined],
    [[P("/foo/", "Exact")], "/foo", undefined],
    [[P("/foo")], "/foo", "Prefix:/foo"],
    [[P("/foo")], "/foo/", "Prefix:/foo"],
    [[P("/foo/")], "/foo", "Prefix:/foo/"],
    [[P("/foo/")], "/foo/", "Prefix:/foo/"],
    [[P("/aaa/bb")], "/aaa/bbb", undefined],
    [[P("/aaa/bbb")], "/aaa/bbb", "Prefix:/aaa/bbb"],
    [[P("/aaa/bbb/")], "/aaa/bbb", "Prefix:/aaa/bbb/"],
    [[P("/aaa/bbb")], "/aaa/bbb/", "Prefix:/aaa/bbb"],
    [[P("/aaa/bbb")], "/aaa/bbb/ccc", "Prefix:/aaa/bbb"],
    [[P("/aaa/bbb")], "/aaa/bbbxyz", undefined],
    [[P("/"), P("/aaa")], "/aaa/ccc", "Prefix:/aaa"],
    [[P("/"), P("/aaa"), P("/aaa/bbb")], "/aaa/bbb", "Prefix:/aaa/bbb"],
    [[P("/"), P("/aaa"), P("/aaa/bbb")], "/ccc", "Prefix:/"],
    [[P("/aaa")], "/ccc", undefined],
    [[P("/foo"), P("/foo", "Exact")], "/foo", "Exact:/foo"],
    [[P("/foo", "Exact"), P("/foo")], "/foo", "Exact:/foo"],
    [[P("/foo", "ImplementationSpecific")], "/foo/bar", "ImplementationSpecific:/foo"],
    [[P("/foo", "ImplementationSpecific")], "/foobar", undefined],
  ] as [PathSpec[], string, string | undefined][])("%j, request %s → %s", (paths, req, want) => {
    const t = new RouteTable();
    t.upsert(ingress("ing", { paths }));
    expect(routeOf(t, "any.example.com", req)).toBe(want);
  });
});

describe("hosts", () => {
  const t = new RouteTable();
  t.upsert(ingress("wild", { host: "*.foo.com", paths: [{ path: "/", service: "wild" }] }));
  t.upsert(ingress("exact", { host: "bar.foo.com", paths: [{ path: "/api", service: "exact" }] }));
  t.upsert(ingress("nohost", { paths: [{ path: "/", service: "nohost" }] }));
  test.each([
    ["baz.foo.com", "/", "wild"], // one label under the wildcard
    ["BAZ.Foo.com:8080", "/", "wild"], // case and port do not matter
    ["baz.bar.foo.com", "/", "nohost"], // a wildcard covers a single label only
    ["foo.com", "/", "nohost"],
    ["bar.foo.com", "/api/v1", "exact"], // an exact host beats the wildcard
    // the exact host's rules are the host's only rules (ingress-nginx): no fallback to the wildcard
    ["bar.foo.com", "/other", undefined],
    ["", "/x", "nohost"],
  ])("%s%s → %s", (host, path, want) => {
    expect(routeOf(t, host, path)).toBe(want);
  });
});

describe("defaultBackend, conflicts and updates", () => {
  test("a request nothing matches goes to the oldest Ingress's defaultBackend", () => {
    const t = new RouteTable();
    t.upsert(ingress("young", { created: "2026-02-01T00:00:00Z", defaultBackend: { service: "young", port: 80 }, host: "a.com", paths: [{ path: "/a", service: "a" }] }));
    t.upsert(ingress("old", { created: "2026-01-01T00:00:00Z", defaultBackend: { service: "old", port: 80 } }));
    expect(routeOf(t, "a.com", "/a")).toBe("a");
    expect(routeOf(t, "a.com", "/b")).toBe("default:old");
    expect(routeOf(t, "b.com", "/")).toBe("default:old");
    t.delete("default/old");
    expect(routeOf(t, "b.com", "/")).toBe("default:young");
    t.delete("default/young");
    expect(routeOf(t, "b.com", "/")).toBeUndefined();
  });

  test("the same host and path in two Ingresses: the oldest wins, the other takes over when it goes", () => {
    const t = new RouteTable();
    t.upsert(ingress("second", { ns: "b", created: "2026-03-01T00:00:00Z", host: "x.com", paths: [{ path: "/", service: "second" }] }));
    t.upsert(ingress("first", { ns: "a", created: "2026-01-01T00:00:00Z", host: "x.com", paths: [{ path: "/", service: "first" }] }));
    expect(routeOf(t, "x.com", "/")).toBe("first");
    t.delete("a/first");
    expect(routeOf(t, "x.com", "/")).toBe("second");
  });

  test("an update replaces the Ingress's routes, including hosts it no longer names", () => {
    const t = new RouteTable();
    t.upsert(ingress("i", { host: "old.com", paths: [{ path: "/", service: "s1" }] }));
    expect(routeOf(t, "old.com", "/")).toBe("s1");
    t.upsert(ingress("i", { host: "new.com", paths: [{ path: "/", service: "s2" }] }));
    expect(routeOf(t, "old.com", "/")).toBeUndefined();
    expect(routeOf(t, "new.com", "/")).toBe("s2");
  });

  test("backends by port number and by port name; a resource backend has no Service", () => {
    const t = new RouteTable();
    t.upsert(ingress("i", { paths: [{ path: "/n", service: "s", port: 8080 }, { path: "/name", service: "s", port: "http" }] }));
    expect(t.match("h", "/n")?.route.backend).toEqual({ namespace: "default", service: "s", port: 8080 });
    expect(t.match("h", "/name")?.route.backend).toEqual({ namespace: "default", service: "s", port: "http" });
    const ing = ingress("r", { paths: [{ path: "/r", service: "x" }] });
    ing.spec.rules[0].http.paths[0].backend = { resource: { kind: "StorageBucket", name: "b" } };
    t.upsert(ing);
    expect(t.match("h", "/r")?.route.backend).toBeUndefined();
  });

  test("a malformed Ingress (no spec, rules not a list) compiles to nothing instead of throwing", () => {
    const t = new RouteTable();
    t.upsert({ apiVersion: "networking.k8s.io/v1", kind: "Ingress", metadata: { name: "m", namespace: "default" } });
    t.upsert({ apiVersion: "networking.k8s.io/v1", kind: "Ingress", metadata: { name: "n", namespace: "default" }, spec: { rules: "x" } });
    expect(t.match("h", "/")).toBeUndefined();
  });
});
