import { expect, test } from "bun:test";
import { parseResourcePath } from "./path.ts";
import { StatusError } from "../model/errors.ts";

test.each([
  ["/api/v1/pods", { group: "", version: "v1", resource: "pods" }],
  ["/api/v1/namespaces/default/pods", { group: "", version: "v1", namespace: "default", resource: "pods" }],
  ["/api/v1/namespaces/default/pods/p1/log", { namespace: "default", resource: "pods", name: "p1", subresource: "log" }],
  ["/api/v1/namespaces", { resource: "namespaces" }],
  ["/api/v1/namespaces/kube-system", { resource: "namespaces", name: "kube-system", namespace: undefined }],
  ["/api/v1/namespaces/kube-system/status", { resource: "namespaces", name: "kube-system", subresource: "status" }],
  ["/api/v1/namespaces/kube-system/finalize", { resource: "namespaces", name: "kube-system", subresource: "finalize" }],
  ["/apis/apps/v1/namespaces/a/deployments/d/scale", { group: "apps", namespace: "a", resource: "deployments", name: "d", subresource: "scale" }],
  ["/apis/apps/v1/deployments", { group: "apps", resource: "deployments" }],
  ["/api/v1/watch/namespaces/a/pods", { namespace: "a", resource: "pods", watchPath: true }],
  ["/api/v1/nodes/n1/status", { resource: "nodes", name: "n1", subresource: "status" }],
  ["/api/v1/nodes/n1/proxy", { resource: "nodes", name: "n1", subresource: "proxy" }],
  ["/api/v1/nodes/n1/proxy/metrics", { resource: "nodes", name: "n1", subresource: "proxy", proxyPath: "/metrics" }],
  ["/api/v1/nodes/n1/proxy/metrics/resource/", { resource: "nodes", name: "n1", subresource: "proxy", proxyPath: "/metrics/resource/" }],
  ["/api/v1/nodes/n1/proxy/containerLogs/a%2Fb/c", { resource: "nodes", name: "n1", subresource: "proxy", proxyPath: "/containerLogs/a%2Fb/c" }],
])("%s", (path, want) => {
  expect(parseResourcePath(path)).toMatchObject(want);
});

test.each(["/", "/api", "/api/v1", "/apis/apps", "/apis/apps/v1", "/api/v1/namespaces/a/pods/p/log/extra"])("rejects %s", (p) => {
  expect(parseResourcePath(p)).toBeUndefined();
});

test.each(["/api/v1/namespaces/%zz/pods", "/api/v1/namespaces/default/configmaps/%E0%A4%A"])("bad percent-encoding in %s is a 400", (p) => {
  let err: unknown;
  try {
    parseResourcePath(p);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(StatusError);
  expect((err as StatusError).code).toBe(400);
});
