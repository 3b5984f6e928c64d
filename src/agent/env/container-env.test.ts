import { describe, expect, test } from "bun:test";
import type { KubeObject } from "../../model/object.ts";
import { expandCommand, expandVars, resolveEnv } from "./container-env.ts";

const pod: KubeObject = {
  apiVersion: "v1", kind: "Pod",
  metadata: { name: "web-1", namespace: "shop", uid: "u-1", labels: { app: "web" }, annotations: { "x/y": "z" } },
  spec: { nodeName: "n1", serviceAccountName: "default", containers: [] },
};
const facts = { hostIP: "10.0.0.5", podIP: "10.42.0.7", nodeCpuCores: 2, nodeMemoryBytes: 4 * 2 ** 30 };
const objects: Record<string, KubeObject> = {
  "ConfigMap/cfg": { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cfg" }, data: { MODE: "fast", LEVEL: "3" } },
  "Secret/creds": { apiVersion: "v1", kind: "Secret", metadata: { name: "creds" }, data: { PASSWORD: Buffer.from("s3cret").toString("base64") } },
};
const sources = {
  configMap: async (_ns: string, name: string) => objects[`ConfigMap/${name}`],
  secret: async (_ns: string, name: string) => objects[`Secret/${name}`],
};

describe("resolveEnv", () => {
  test("envFrom with prefix, then env in order; later names win; references expand", async () => {
    const env = await resolveEnv(pod, {
      envFrom: [{ configMapRef: { name: "cfg" } }, { prefix: "S_", secretRef: { name: "creds" } }],
      env: [
        { name: "MODE", value: "slow" },
        { name: "GREETING", value: "mode=$(MODE) pw=$(S_PASSWORD) keep=$$(MODE) unknown=$(NOPE)" },
        { name: "POD", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
        { name: "APP", valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
        { name: "IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
        { name: "HOST", valueFrom: { fieldRef: { fieldPath: "status.hostIP" } } },
        { name: "LVL", valueFrom: { configMapKeyRef: { name: "cfg", key: "LEVEL" } } },
        { name: "PW", valueFrom: { secretKeyRef: { name: "creds", key: "PASSWORD" } } },
      ],
    }, sources, facts);
    expect(Object.fromEntries(env.map((e) => [e.name, e.value]))).toEqual({
      MODE: "slow", LEVEL: "3", S_PASSWORD: "s3cret",
      GREETING: "mode=slow pw=s3cret keep=$(MODE) unknown=$(NOPE)",
      POD: "web-1", APP: "web", IP: "10.42.0.7", HOST: "10.0.0.5", LVL: "3", PW: "s3cret",
    });
  });

  test("resourceFieldRef with divisors; a missing limit is the node's", async () => {
    const c = { name: "c", resources: { limits: { cpu: "1500m", memory: "64Mi" } }, env: [
      { name: "CPU", valueFrom: { resourceFieldRef: { resource: "limits.cpu" } } },
      { name: "MEM_MI", valueFrom: { resourceFieldRef: { resource: "limits.memory", divisor: "1Mi" } } },
      { name: "REQ_CPU_M", valueFrom: { resourceFieldRef: { resource: "requests.cpu", divisor: "1m" } } },
    ] };
    const env = await resolveEnv(pod, c, sources, facts);
    expect(env).toEqual([{ name: "CPU", value: "2" }, { name: "MEM_MI", value: "64" }, { name: "REQ_CPU_M", value: "0" }]);
    const unlimited = await resolveEnv(pod, { name: "c", env: [{ name: "M", valueFrom: { resourceFieldRef: { resource: "limits.memory" } } }] }, sources, facts);
    expect(unlimited[0]!.value).toBe(String(4 * 2 ** 30));
  });

  test("missing sources fail as CreateContainerConfigError unless optional", async () => {
    await expect(resolveEnv(pod, { env: [{ name: "X", valueFrom: { configMapKeyRef: { name: "nope", key: "k" } } }] }, sources, facts)).rejects.toMatchObject({ reason: "CreateContainerConfigError", message: 'configmap "nope" not found' });
    await expect(resolveEnv(pod, { env: [{ name: "X", valueFrom: { configMapKeyRef: { name: "cfg", key: "k" } } }] }, sources, facts)).rejects.toThrow("couldn't find key k in ConfigMap shop/cfg");
    expect(await resolveEnv(pod, { envFrom: [{ secretRef: { name: "nope", optional: true } }], env: [{ name: "X", valueFrom: { secretKeyRef: { name: "creds", key: "k", optional: true } } }] }, sources, facts)).toEqual([]);
  });
});

test("command and args expand $(VAR) from the environment", () => {
  expect(expandCommand({ command: ["sh", "-c"], args: ["echo $(A) $$(A) $(B)"] }, [{ name: "A", value: "1" }])).toEqual({ command: ["sh", "-c"], args: ["echo 1 $(A) $(B)"] });
  expect(expandVars("$$$(A)", new Map([["A", "x"]]))).toBe("$x");
});

describe("service variables", () => {
  const services = async (ns: string): Promise<KubeObject[]> =>
    ns === "default"
      ? [{ apiVersion: "v1", kind: "Service", metadata: { namespace: "default", name: "kubernetes" }, spec: { clusterIP: "10.43.0.1", ports: [{ name: "https", port: 443, protocol: "TCP" }] } }]
      : [{ apiVersion: "v1", kind: "Service", metadata: { namespace: ns, name: "web" }, spec: { clusterIP: "10.43.7.7", ports: [{ port: 80 }] } }];

  test("every container learns the API's address, its namespace's Services, and may refer to them; its own env wins", async () => {
    const container = { name: "c", env: [{ name: "API", value: "https://$(KUBERNETES_SERVICE_HOST):$(KUBERNETES_SERVICE_PORT)" }, { name: "WEB_SERVICE_PORT", value: "mine" }] };
    const env = Object.fromEntries((await resolveEnv(pod, container, { ...sources, services }, facts)).map((e) => [e.name, e.value]));
    expect(env.KUBERNETES_SERVICE_HOST).toBe("10.43.0.1");
    expect(env.API).toBe("https://10.43.0.1:443");
    expect(env.WEB_SERVICE_HOST).toBe("10.43.7.7");
    expect(env.WEB_SERVICE_PORT).toBe("mine");
  });

  test("enableServiceLinks: false leaves only the API; an API out of reach leaves none and the container still starts", async () => {
    const noLinks = { ...pod, spec: { ...pod.spec, enableServiceLinks: false } };
    const names = (await resolveEnv(noLinks, { name: "c" }, { ...sources, services }, facts)).map((e) => e.name);
    expect(names).toContain("KUBERNETES_SERVICE_HOST");
    expect(names.some((n) => n.startsWith("WEB_"))).toBe(false);
    const down = async () => Promise.reject(new Error("connection refused"));
    expect(await resolveEnv(pod, { name: "c" }, { ...sources, services: down }, facts)).toEqual([]);
  });
});
