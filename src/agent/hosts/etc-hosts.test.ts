import { expect, test } from "bun:test";
import type { KubeObject } from "../../model/object.ts";
import { etcHostsContent, podHostname } from "./etc-hosts.ts";

test("/etc/hosts names the pod by its IP, with subdomain FQDN and host aliases", () => {
  const p: KubeObject = { apiVersion: "v1", kind: "Pod", metadata: { name: "web-0", namespace: "shop" }, spec: { subdomain: "web", hostAliases: [{ ip: "1.2.3.4", hostnames: ["a", "b"] }] } };
  const text = etcHostsContent(p, "10.42.0.5", "web-0");
  expect(text).toContain("10.42.0.5\tweb-0.web.shop.svc.cluster.local\tweb-0\n");
  expect(text).toContain("# Entries added by HostAliases.\n1.2.3.4\ta\tb\n");
  expect(text.startsWith("# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n")).toBe(true);
});

test("the pod's hostname: spec.hostname, else its name cut to a DNS label; the node's on the host network", () => {
  const p = (spec: any, name = "web-0"): KubeObject => ({ apiVersion: "v1", kind: "Pod", metadata: { name }, spec });
  expect(podHostname(p({ hostname: "db" }), "node-a")).toBe("db");
  expect(podHostname(p({}, `${"a".repeat(62)}-x`), "node-a")).toBe("a".repeat(62));
  expect(podHostname(p({ hostNetwork: true }), "node-a")).toBe("node-a");
});
