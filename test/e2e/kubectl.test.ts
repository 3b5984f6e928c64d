/**
 * End-to-end: the built executable and the real kubectl (/usr/bin/kubectl, 1.32) with its
 * default settings — validation on, no flags to help us.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import YAML from "yaml";
import { KUBECTL, startE2EServer, type E2EServer } from "../helpers/e2e-server.ts";

const FIXTURES = resolve(import.meta.dir, "../fixtures/manifests");
const haveKubectl = existsSync(KUBECTL);

let s: E2EServer;
async function k(...args: string[]) {
  const r = await s.kubectl(args);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(" ")} failed (${r.code}):\n${r.stderr}\n--- server log ---\n${s.logs().slice(-3000)}`);
  return r.stdout;
}

describe.skipIf(!haveKubectl)("kubectl against k3rs", () => {
  beforeAll(async () => {
    // With its embedded agent on the fake runtime, so workloads really roll out (on hollow pods).
    s = await startE2EServer({ agent: "fake" });
  });
  afterAll(async () => {
    await s?.stop();
  });

  test("version, api-versions, api-resources", async () => {
    const v = JSON.parse(await k("version", "-o", "json"));
    expect(v.serverVersion.major).toBe("1");
    expect(v.serverVersion.gitVersion).toContain("k3rs");
    const versions = await k("api-versions");
    for (const gv of ["v1", "apps/v1", "batch/v1", "coordination.k8s.io/v1", "networking.k8s.io/v1"]) expect(versions.split("\n")).toContain(gv);
    const res = await k("api-resources");
    expect(res).toMatch(/deployments\s+deploy\s+apps\/v1\s+true\s+Deployment/);
    expect(res).toMatch(/namespaces\s+ns\s+v1\s+false\s+Namespace/);
  });

  test("apply -f a multi-document file creates, re-apply is unchanged, an edit is configured (three-way)", async () => {
    const file = join(FIXTURES, "web.yaml");
    const first = await k("apply", "-f", file);
    expect(first).toContain("namespace/shop created");
    expect(first).toContain("deployment.apps/web created");
    expect(first).toContain("service/web created");
    const again = await k("apply", "-f", file);
    expect(again).toContain("deployment.apps/web unchanged");
    // Remove a container, an env var and a label; change the image: the three-way merge must
    // delete exactly what the manifest no longer has.
    const edited = readFileSync(file, "utf8")
      .replace(/\n        - name: sidecar\n          image: k3rs.local\/busybox:test\n          command: \["sleep", "3600"\]/, "")
      .replace(/\n            - name: EXTRA\n              value: "1"/, "")
      .replace("replicas: 2", "replicas: 3");
    const editedPath = join(s.dataDir, "web-edited.yaml");
    writeFileSync(editedPath, edited);
    const third = await k("apply", "-f", editedPath);
    expect(third).toContain("deployment.apps/web configured");
    const d = JSON.parse(await k("get", "deployment", "web", "-n", "shop", "-o", "json"));
    expect(d.spec.replicas).toBe(3);
    expect(d.spec.template.spec.containers.map((c: any) => c.name)).toEqual(["httpd"]);
    expect(d.spec.template.spec.containers[0].env).toEqual([{ name: "MODE", value: "production" }]);
    expect(d.metadata.annotations["kubectl.kubernetes.io/last-applied-configuration"]).toBeTruthy();
  });

  test("apply a directory and from stdin", async () => {
    const out = await k("apply", "-f", join(FIXTURES, "dir"));
    expect(out).toContain("configmap/settings created");
    expect(out).toContain("secret/creds created");
    const r = await s.kubectl(["apply", "-f", "-"], { stdin: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-stdin\ndata:\n  k: v\n" });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("configmap/from-stdin created");
  });

  test("validation is on: a typo in a manifest is refused", async () => {
    const r = await s.kubectl(["apply", "-f", "-"], { stdin: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: typo\ndatta:\n  k: v\n" });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('unknown field "datta"');
  });

  test("get: tables, wide, yaml, json, name, jsonpath, labels, selectors, all namespaces", async () => {
    const table = await k("get", "deployments", "-n", "shop");
    expect(table.split("\n")[0]).toMatch(/^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE$/);
    expect(table).toMatch(/^web\s+\d\/3\s+\d\s+\d\s+\d+s/m);
    const wide = await k("get", "deploy", "-n", "shop", "-o", "wide");
    expect(wide).toMatch(/CONTAINERS\s+IMAGES\s+SELECTOR/);
    expect(wide).toContain("app=web");
    expect(await k("get", "svc", "web", "-n", "shop", "-o", "name")).toBe("service/web\n");
    expect(await k("get", "svc", "web", "-n", "shop", "-o", "jsonpath={.spec.ports[0].targetPort}")).toBe("8080");
    const y = await k("get", "cm", "settings", "-o", "yaml");
    expect(y).toContain("color: blue");
    const labelled = await k("get", "cm,secrets", "-l", "tier=config", "--show-labels");
    expect(labelled).toContain("settings");
    expect(labelled).toContain("creds");
    expect(labelled).toContain("tier=config");
    const all = await k("get", "namespaces", "-A");
    for (const ns of ["default", "kube-system", "kube-public", "kube-node-lease", "shop"]) expect(all).toContain(ns);
    const byField = await k("get", "ns", "--field-selector", "metadata.name=shop", "-o", "name");
    expect(byField.trim()).toBe("namespace/shop");
    const svcs = await k("get", "services", "-A");
    expect(svcs).toMatch(/default\s+kubernetes\s+ClusterIP\s+10\.43\.0\.1/);
  });

  test("a large list through the real transport: plain (unframed, its length in bytes), gzipped and as a Table", async () => {
    // 150 ConfigMaps of ~4 KB: over the 256 KiB a list is streamed beyond; one value in multi-byte characters.
    const items = Array.from({ length: 150 }, (_, i) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: `big-${String(i).padStart(3, "0")}`, namespace: "default", labels: { set: "big" } }, data: { v: i === 3 ? "ü€😀".repeat(500) : "x".repeat(4000) } }));
    const applied = await s.kubectl(["apply", "-f", "-"], { stdin: JSON.stringify({ apiVersion: "v1", kind: "List", items }) });
    expect(applied.code).toBe(0);
    for (const compression of [["--disable-compression"], []]) {
      const list = JSON.parse(await k("get", "cm", "-l", "set=big", "-o", "json", ...compression));
      expect(list.items).toHaveLength(150);
      expect(list.items[3].data.v).toBe("ü€😀".repeat(500));
    }
    const rows = (await k("get", "cm", "-l", "set=big", "--no-headers")).trim().split("\n");
    expect(rows).toHaveLength(150);
    expect(rows[0]).toMatch(/^big-000\s+1\s+\d+s$/);
    // Asked as a client that does not gzip: the body goes out with its Content-Length, no chunked framing.
    const kc = YAML.parse(readFileSync(s.kubeconfig, "utf8"));
    const b64 = (v: string) => Buffer.from(v, "base64").toString();
    const tls = { ca: b64(kc.clusters[0].cluster["certificate-authority-data"]), cert: b64(kc.users[0].user["client-certificate-data"]), key: b64(kc.users[0].user["client-key-data"]) };
    const r = await fetch(`https://127.0.0.1:${s.port}/api/v1/namespaces/default/configmaps?labelSelector=set%3Dbig`, { headers: { "accept-encoding": "identity" }, tls } as RequestInit);
    const body = Buffer.from(await r.arrayBuffer());
    expect(r.status).toBe(200);
    expect(body.byteLength).toBeGreaterThan(256 * 1024);
    expect([r.headers.get("content-length"), r.headers.get("transfer-encoding")]).toEqual([String(body.byteLength), null]);
    expect(JSON.parse(body.toString()).items).toHaveLength(150);
  });

  test("every served kind can be listed", async () => {
    for (const kind of ["namespaces", "nodes", "pods", "services", "endpoints", "configmaps", "secrets", "serviceaccounts", "events", "pvc", "pv", "deployments", "replicasets", "statefulsets", "daemonsets", "jobs", "cronjobs", "leases", "ingresses", "priorityclasses"]) {
      const r = await s.kubectl(["get", kind, "-A"]);
      expect(`${kind}: ${r.code} ${r.stderr}`).toBe(`${kind}: 0 ${r.stderr}`);
    }
  });

  test("create namespace|configmap|secret generic|deployment", async () => {
    expect(await k("create", "namespace", "tmp")).toContain("namespace/tmp created");
    expect(await k("create", "configmap", "c1", "-n", "tmp", "--from-literal=a=1")).toContain("configmap/c1 created");
    expect(await k("create", "secret", "generic", "s1", "-n", "tmp", "--from-literal=p=x")).toContain("secret/s1 created");
    expect(await k("create", "deployment", "d1", "-n", "tmp", "--image=k3rs.local/busybox:test", "--replicas=2")).toContain("deployment.apps/d1 created");
    const dup = await s.kubectl(["create", "namespace", "tmp"]);
    expect(dup.code).toBe(1);
    expect(dup.stderr).toContain('Error from server (AlreadyExists): namespaces "tmp" already exists');
  });

  test("create priorityclass (protobuf), get pc, and a pod of that class gets its priority", async () => {
    expect(await k("create", "priorityclass", "e2e-high", "--value=1000", "--description=for e2e", "--preemption-policy=Never")).toContain("priorityclass.scheduling.k8s.io/e2e-high created");
    const table = await k("get", "pc");
    expect(table.split("\n")[0]).toMatch(/^NAME\s+VALUE\s+GLOBAL-DEFAULT\s+AGE\s+PREEMPTIONPOLICY$/);
    expect(table).toMatch(/\ne2e-high\s+1000\s+false\s+\S+\s+Never\n/);
    expect(table).toMatch(/\nsystem-node-critical\s+2000001000\s+false\s+\S+\s+PreemptLowerPriority\n/);
    expect(await k("run", "prio-pod", "--image=k3rs.local/busybox:test", "--overrides", JSON.stringify({ spec: { priorityClassName: "e2e-high" } }))).toContain("pod/prio-pod created");
    expect(await k("get", "pod", "prio-pod", "-o", "jsonpath={.spec.priority} {.spec.preemptionPolicy}")).toBe("1000 Never");
    const refused = await s.kubectl(["create", "priorityclass", "system-mine", "--value=1"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("priority class names with 'system-' prefix are reserved for system use only");
  });

  test("label, annotate, patch (strategic, merge, json), scale", async () => {
    expect(await k("label", "deployment", "d1", "-n", "tmp", "team=blue")).toContain("deployment.apps/d1 labeled");
    expect(await k("annotate", "deployment", "d1", "-n", "tmp", "note=hello")).toContain("deployment.apps/d1 annotated");
    await k("patch", "deployment", "d1", "-n", "tmp", "-p", '{"spec":{"template":{"spec":{"containers":[{"name":"busybox","image":"k3rs.local/busybox:v2"}]}}}}');
    await k("patch", "deployment", "d1", "-n", "tmp", "--type", "merge", "-p", '{"metadata":{"labels":{"merged":"yes"}}}');
    await k("patch", "deployment", "d1", "-n", "tmp", "--type", "json", "-p", '[{"op":"replace","path":"/spec/revisionHistoryLimit","value":3}]');
    expect(await k("scale", "deployment", "d1", "-n", "tmp", "--replicas=5")).toContain("deployment.apps/d1 scaled");
    const d = JSON.parse(await k("get", "deployment", "d1", "-n", "tmp", "-o", "json"));
    expect(d.metadata.labels).toMatchObject({ team: "blue", merged: "yes" });
    expect(d.metadata.annotations.note).toBe("hello");
    expect(d.spec.template.spec.containers).toHaveLength(1);
    expect(d.spec.template.spec.containers[0].image).toBe("k3rs.local/busybox:v2");
    expect(d.spec.revisionHistoryLimit).toBe(3);
    expect(d.spec.replicas).toBe(5);
    const bad = await s.kubectl(["patch", "deployment", "d1", "-n", "tmp", "--type", "json", "-p", '[{"op":"test","path":"/spec/replicas","value":1}]']);
    expect(bad.code).not.toBe(0);
  });

  test("edit through $EDITOR", async () => {
    const editor = join(s.dataDir, "editor.sh");
    writeFileSync(editor, "#!/bin/sh\nsed -i 's/color: blue/color: green/' \"$1\"\n");
    chmodSync(editor, 0o755);
    const p = Bun.spawn([KUBECTL, "--kubeconfig", s.kubeconfig, "edit", "configmap", "settings"], { env: { ...process.env, EDITOR: editor, KUBE_EDITOR: editor, HOME: s.dataDir }, stdout: "pipe", stderr: "pipe" });
    const code = await p.exited;
    expect(code).toBe(0);
    expect(await new Response(p.stdout).text()).toContain("configmap/settings edited");
    expect(await k("get", "cm", "settings", "-o", "jsonpath={.data.color}")).toBe("green");
  });

  test("describe and events", async () => {
    // describe finds events by involvedObject name, namespace, kind and uid, as kubectl does.
    const uid = await k("get", "configmap", "settings", "-o", "jsonpath={.metadata.uid}");
    const evt = {
      apiVersion: "v1", kind: "Event", metadata: { name: "settings.e2e", namespace: "default" },
      involvedObject: { apiVersion: "v1", kind: "ConfigMap", name: "settings", namespace: "default", uid },
      reason: "Tested", message: "an event for describe", type: "Normal", count: 1, source: { component: "e2e" },
      firstTimestamp: new Date().toISOString().replace(/\.\d+Z/, "Z"), lastTimestamp: new Date().toISOString().replace(/\.\d+Z/, "Z"),
    };
    const r = await s.kubectl(["create", "-f", "-"], { stdin: JSON.stringify(evt) });
    expect(r.code).toBe(0);
    const events = await k("get", "events");
    expect(events).toMatch(/LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE/);
    expect(events).toContain("configmap/settings");
    const d = await k("describe", "deployment", "web", "-n", "shop");
    expect(d).toMatch(/Name:\s+web/);
    expect(d).toMatch(/Replicas:\s+3 desired/);
    const dcm = await k("describe", "configmap", "settings");
    expect(dcm).toContain("an event for describe");
  });

  test("explain reads the OpenAPI schema", async () => {
    const e = await k("explain", "deployment.spec.replicas");
    expect(e).toContain("KIND:");
    expect(e).toContain("Deployment");
    expect(e.toLowerCase()).toContain("number of desired pods");
    const p = await k("explain", "pods.spec.containers");
    expect(p).toContain("image");
  });

  test("get -w streams changes", async () => {
    const p = Bun.spawn([KUBECTL, "--kubeconfig", s.kubeconfig, "get", "configmaps", "-w", "-n", "tmp", "--output-watch-events"], { stdout: "pipe", stderr: "pipe", env: { ...process.env, HOME: s.dataDir } });
    await Bun.sleep(1000);
    await k("create", "configmap", "watched", "-n", "tmp");
    await k("delete", "configmap", "watched", "-n", "tmp");
    let out = "";
    const reader = (p.stdout as ReadableStream<Uint8Array>).getReader();
    const deadline = Date.now() + 15_000;
    while (!/DELETED\s+watched/.test(out) && Date.now() < deadline) {
      const r = await Promise.race([reader.read(), Bun.sleep(500).then(() => undefined)]);
      if (r && !r.done) out += new TextDecoder().decode(r.value);
    }
    p.kill();
    await p.exited;
    expect(out).toMatch(/ADDED\s+c1/);
    expect(out).toMatch(/ADDED\s+watched/);
    expect(out).toMatch(/DELETED\s+watched/);
  });

  test("wait --for=condition and --for=delete", async () => {
    // The deployment controller and the embedded agent make it Available for real.
    expect(await k("wait", "--for=condition=Available", "deployment/d1", "-n", "tmp", "--timeout=20s")).toContain("condition met");
    const waiter = s.kubectl(["wait", "--for=delete", "configmap/c1", "-n", "tmp", "--timeout=20s"]);
    await Bun.sleep(500);
    await k("delete", "configmap", "c1", "-n", "tmp");
    const w = await waiter;
    expect(w.code).toBe(0);
  });

  test("delete by name, -f, -l, --all, and --wait", async () => {
    expect(await k("delete", "configmap", "from-stdin", "--wait")).toContain('configmap "from-stdin" deleted');
    expect(await k("delete", "-f", join(FIXTURES, "dir"))).toContain('configmap "settings" deleted');
    await k("create", "configmap", "l1", "-n", "tmp");
    await k("label", "configmap", "l1", "-n", "tmp", "gone=yes");
    expect(await k("delete", "configmap", "-l", "gone=yes", "-n", "tmp")).toContain('configmap "l1" deleted');
    expect(await k("delete", "secrets", "--all", "-n", "tmp")).toContain('secret "s1" deleted');
    const missing = await s.kubectl(["delete", "configmap", "nope"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('Error from server (NotFound): configmaps "nope" not found');
    expect((await k("get", "configmaps", "-n", "tmp", "-o", "name")).split("\n").filter(Boolean)).not.toContain("configmap/l1");
  });

  test("delete namespace --wait removes it with its content", async () => {
    const out = await k("delete", "namespace", "tmp", "--wait", "--timeout=30s");
    expect(out).toContain('namespace "tmp" deleted');
    const r = await s.kubectl(["get", "namespace", "tmp"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('namespaces "tmp" not found');
    expect((await s.kubectl(["delete", "namespace", "kube-system"])).stderr).toContain("Forbidden");
  });
});
