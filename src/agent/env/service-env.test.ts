import { expect, test } from "bun:test";
import { serviceEnv, servicesForPod } from "./service-env.ts";

const svc = (ns: string, name: string, clusterIP: string, ports: any[]) => ({ apiVersion: "v1", kind: "Service", metadata: { namespace: ns, name }, spec: { clusterIP, ports } });
const kubernetes = svc("default", "kubernetes", "10.43.0.1", [{ name: "https", port: 443, protocol: "TCP" }]);

test("the kubernetes Service's variables, as client-go's in-cluster config reads them", () => {
  expect(serviceEnv([kubernetes])).toEqual([
    { name: "KUBERNETES_PORT", value: "tcp://10.43.0.1:443" },
    { name: "KUBERNETES_PORT_443_TCP", value: "tcp://10.43.0.1:443" },
    { name: "KUBERNETES_PORT_443_TCP_ADDR", value: "10.43.0.1" },
    { name: "KUBERNETES_PORT_443_TCP_PORT", value: "443" },
    { name: "KUBERNETES_PORT_443_TCP_PROTO", value: "tcp" },
    { name: "KUBERNETES_SERVICE_HOST", value: "10.43.0.1" },
    { name: "KUBERNETES_SERVICE_PORT", value: "443" },
    { name: "KUBERNETES_SERVICE_PORT_HTTPS", value: "443" },
  ]);
});

test("names with dashes, several ports and UDP", () => {
  const env = Object.fromEntries(serviceEnv([svc("a", "my-db", "10.43.5.5", [{ port: 5432 }, { name: "metrics-port", port: 9187, protocol: "UDP" }])]).map((e) => [e.name, e.value]));
  expect(env.MY_DB_SERVICE_PORT).toBe("5432");
  expect(env.MY_DB_SERVICE_PORT_METRICS_PORT).toBe("9187");
  expect(env.MY_DB_PORT_9187_UDP).toBe("udp://10.43.5.5:9187");
  expect(env.MY_DB_PORT).toBe("tcp://10.43.5.5:5432");
});

test("which Services a pod gets: its namespace's with a ClusterIP unless links are off; kubernetes always", () => {
  const own = [svc("a", "web", "10.43.1.1", [{ port: 80 }]), svc("a", "headless", "None", [{ port: 80 }]), svc("a", "kubernetes", "10.43.9.9", [{ port: 1 }])];
  const names = (l: any[]) => l.map((s) => `${s.metadata.namespace}/${s.metadata.name}`).sort();
  expect(names(servicesForPod("a", true, own, [kubernetes, svc("default", "other", "10.43.2.2", [{ port: 1 }])]))).toEqual(["a/kubernetes", "a/web"]);
  expect(names(servicesForPod("a", false, own, [kubernetes]))).toEqual(["default/kubernetes"]);
  expect(names(servicesForPod("default", false, [kubernetes, svc("default", "web", "10.43.1.2", [{ port: 80 }])], [kubernetes]))).toEqual(["default/kubernetes"]);
});
