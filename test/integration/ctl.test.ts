/**
 * `k3rs ctl` in-process against a real server (HTTPS, client certs, SQLite in a temp dir):
 * the commands run through commander exactly as `k3rs ctl …` would, with output captured.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Command } from "commander";
import { startServer, type ServerHandle } from "../../src/server/run.ts";
import { registerCtlCommand } from "../../src/cli/ctl/index.ts";
import { loadKubeconfig } from "../../src/client/kubeconfig.ts";
import { RestClient } from "../../src/client/rest-client.ts";
import { Discovery } from "../../src/client/discovery.ts";
import { StatusError } from "../../src/model/errors.ts";

const FIXTURES = resolve(import.meta.dir, "../fixtures/manifests");
let server: ServerHandle;
let dataDir: string;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function ctl(args: string[], stdin?: string): Promise<Run> {
  let stdout = "";
  let stderr = "";
  let code = -1;
  const program = new Command("k3rs").exitOverride().enablePositionalOptions();
  program.configureOutput({ writeOut: (t) => (stdout += t), writeErr: (t) => (stderr += t) });
  registerCtlCommand(program, {
    io: { out: (t) => (stdout += t), err: (t) => (stderr += t) },
    exit: (c) => (code = c),
    stdin: () => stdin ?? "",
  });
  await program.parseAsync(["ctl", ...args, "--kubeconfig", server.kubeconfigPath], { from: "user" });
  return { code, stdout, stderr };
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "k3rs-ctl-"));
  server = await startServer({
    dataDir,
    httpsListenPort: 0,
    bindAddress: "127.0.0.1",
    nodeName: "ctl-test",
    nodeIp: "127.0.0.1",
    disableAgent: true,
    disable: [],
    writeKubeconfigMode: 0o600,
    debug: false,
    clusterCidr: "10.42.0.0/16",
    serviceCidr: "10.43.0.0/16",
    tlsSan: [],
    nodeLabel: [],
    nodeTaint: [],
    runtime: "fake",
    kubeControllerManagerArg: [],
    kubeApiserverArg: [],
    kubeletArg: [],
  });
});

afterAll(async () => {
  await server?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe("rest client", () => {
  test("speaks mTLS with the admin kubeconfig and decodes Status errors", async () => {
    const client = new RestClient(loadKubeconfig(server.kubeconfigPath));
    const v = await client.request("/version");
    expect(v.gitVersion).toMatch(/^v1\./);
    const err = await client.request("/api/v1/namespaces/default/pods/nope").catch((e) => e);
    expect(err).toBeInstanceOf(StatusError);
    expect((err as StatusError).code).toBe(404);
    expect((err as StatusError).reason).toBe("NotFound");
  });

  test("without a client certificate the server refuses", async () => {
    const cfg = loadKubeconfig(server.kubeconfigPath);
    const client = new RestClient({ ...cfg, cert: undefined, key: undefined });
    const err = await client.request("/api/v1/namespaces").catch((e) => e);
    expect(err).toBeInstanceOf(StatusError);
    expect([401, 403]).toContain((err as StatusError).code);
  });

  test("watch yields events in order and stops when aborted", async () => {
    const client = new RestClient(loadKubeconfig(server.kubeconfigPath));
    const ac = new AbortController();
    const events = client.watch("/api/v1/namespaces/default/configmaps", { signal: ac.signal, query: { fieldSelector: "metadata.name=watched" } });
    await client.request("/api/v1/namespaces/default/configmaps", { method: "POST", body: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "watched" } } });
    // Without a resourceVersion the first event is ADDED whether the watch began before or after the create.
    const first = await events.next();
    expect([first.value?.type, first.value?.object.metadata.name]).toEqual(["ADDED", "watched"]);
    await client.request("/api/v1/namespaces/default/configmaps/watched", { method: "DELETE" });
    const second = await events.next();
    expect([second.value?.type, second.value?.object.metadata.name]).toEqual(["DELETED", "watched"]);
    ac.abort();
    const after = await events.next().catch((e) => e);
    expect(after instanceof Error || after.done === true).toBe(true);
  });

  test("discovery resolves what users type", async () => {
    const d = new Discovery(new RestClient(loadKubeconfig(server.kubeconfigPath)));
    for (const name of ["deploy", "deployments", "deployment", "Deployment", "deployments.apps", "deployment.v1.apps"]) {
      const r = await d.resolve(name);
      expect({ group: r.group, plural: r.plural, kind: r.kind, namespaced: r.namespaced }).toEqual({ group: "apps", plural: "deployments", kind: "Deployment", namespaced: true });
    }
    expect((await d.resolve("po")).plural).toBe("pods");
    expect((await d.resolve("ns")).namespaced).toBe(false);
    expect((await d.forKind("apps/v1", "Deployment")).plural).toBe("deployments");
    await expect(d.resolve("widgets")).rejects.toThrow('the server doesn\'t have a resource type "widgets"');
    await expect(d.forKind("example.com/v1", "Widget")).rejects.toThrow('no matches for kind "Widget" in version "example.com/v1"');
  });
});

describe("k3rs ctl", () => {
  test("version", async () => {
    const r = await ctl(["version"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Client Version: v1\.\d+\.\d+\S*\nServer Version: v1\.\d+\.\d+\S*\n$/);
  });

  test("get on an empty namespace says so on stderr", async () => {
    const r = await ctl(["get", "pods"]);
    expect(r).toEqual({ code: 0, stdout: "", stderr: "No resources found in default namespace.\n" });
    const other = await ctl(["get", "pods", "-n", "kube-public"]);
    expect(other.stderr).toBe("No resources found in kube-public namespace.\n");
  });

  test("apply creates, then unchanged, then configured; removed keys are deleted", async () => {
    const file = join(FIXTURES, "web.yaml");
    const a = await ctl(["apply", "-f", file]);
    expect(a.stderr).toBe("");
    expect(a.stdout).toBe("namespace/shop created\ndeployment.apps/web created\nservice/web created\n");
    expect(a.code).toBe(0);
    const b = await ctl(["apply", "-f", file]);
    expect(b.stdout).toBe("namespace/shop unchanged\ndeployment.apps/web unchanged\nservice/web unchanged\n");

    const cm = (data: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: shop\ndata:\n${data}`;
    expect((await ctl(["apply", "-f", "-"], cm("  a: '1'\n  b: '2'\n"))).stdout).toBe("configmap/c created\n");
    expect((await ctl(["apply", "-f", "-"], cm("  a: '1'\n"))).stdout).toBe("configmap/c configured\n");
    const got = JSON.parse((await ctl(["get", "cm", "c", "-n", "shop", "-o", "json"])).stdout);
    expect(got.data).toEqual({ a: "1" });
    const last = JSON.parse(got.metadata.annotations["kubectl.kubernetes.io/last-applied-configuration"]);
    expect(last.data).toEqual({ a: "1" });
  });

  test("apply: a field dropped from a container is removed from the live object", async () => {
    const web = readFileSync(join(FIXTURES, "web.yaml"), "utf8").split("---\n")[1]!;
    const edited = web.replace('          command: ["sleep", "3600"]\n', "");
    expect(edited).not.toBe(web);
    const r = await ctl(["apply", "-f", "-"], edited);
    expect(r.stdout).toBe("deployment.apps/web configured\n");
    const live = JSON.parse((await ctl(["get", "deploy", "web", "-n", "shop", "-o", "json"])).stdout);
    const sidecar = live.spec.template.spec.containers.find((c: any) => c.name === "sidecar");
    expect(sidecar.command).toBeUndefined();
    expect(sidecar.imagePullPolicy).toBeDefined(); // server defaults came back
    expect((await ctl(["apply", "-f", "-"], edited)).stdout).toBe("deployment.apps/web unchanged\n");
    expect((await ctl(["apply", "-f", "-"], web)).stdout).toBe("deployment.apps/web configured\n");
  });

  test("apply of a directory, then delete of the same", async () => {
    const r = await ctl(["apply", "-f", join(FIXTURES, "dir")]);
    expect(r).toEqual({ code: 0, stderr: "", stdout: "configmap/settings created\nsecret/creds created\n" });
    const d = await ctl(["describe", "secret", "creds"]);
    expect(d.stdout).toContain("Password:   6 bytes");
    expect(d.stdout).not.toContain("s3cret");
    expect((await ctl(["delete", "-f", join(FIXTURES, "dir")])).stdout).toBe('configmap "settings" deleted\nsecret "creds" deleted\n');
  });

  test("an unknown kind names the manifest", async () => {
    const r = await ctl(["apply", "-f", "-"], "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n");
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('error: resource mapping not found for name: "w" namespace: "" from "STDIN": no matches for kind "Widget" in version "example.com/v1"\nensure CRDs are installed first\n');
  });

  test("apply of a List and of a JSON document", async () => {
    const list = JSON.stringify({ apiVersion: "v1", kind: "List", items: [
      { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "l1" } },
      { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "l2" } },
    ] });
    const r = await ctl(["apply", "-f", "-"], list);
    expect(r.stdout).toBe("configmap/l1 created\nconfigmap/l2 created\n");
    const names = await ctl(["get", "configmaps", "l1", "l2", "-o", "name"]);
    expect(names.stdout).toBe("configmap/l1\nconfigmap/l2\n");
  });

  test("apply refuses a manifest namespace that contradicts -n", async () => {
    const r = await ctl(["apply", "-n", "default", "-f", "-"], "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  namespace: shop\n");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('the namespace from the provided object "shop" does not match the namespace "default"');
  });

  test("get tables, wide, labels, no headers, -A", async () => {
    const t = await ctl(["get", "deploy", "-n", "shop"]);
    expect(t.code).toBe(0);
    expect(t.stdout.split("\n")[0]).toMatch(/^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE$/);
    expect(t.stdout.split("\n")[1]).toMatch(/^web\s+0\/2\s+/);
    const w = await ctl(["get", "deploy", "-n", "shop", "-o", "wide"]);
    expect(w.stdout.split("\n")[0]).toContain("CONTAINERS");
    const l = await ctl(["get", "svc", "web", "-n", "shop", "--show-labels"]);
    expect(l.stdout.split("\n")[0]).toMatch(/LABELS$/);
    const n = await ctl(["get", "cm", "c", "-n", "shop", "--no-headers"]);
    expect(n.stdout).toMatch(/^c\s+1\s+\S+\n$/);
    const all = await ctl(["get", "svc", "-A"]);
    expect(all.stdout.split("\n")[0]).toMatch(/^NAMESPACE\s+NAME\s+TYPE/);
    expect(all.stdout).toMatch(/\nshop\s+web\s+ClusterIP/);
    expect(all.stdout).toMatch(/\ndefault\s+kubernetes\s+ClusterIP/);
  });

  test("get two types prints two tables; TYPE/NAME works", async () => {
    const r = await ctl(["get", "deploy,svc", "-n", "shop"]);
    const blocks = r.stdout.split("\n\n");
    expect(blocks).toHaveLength(2);
    expect(blocks[0]).toMatch(/^NAME\s+READY.*\ndeployment\.apps\/web\s+0\/2\s/);
    expect(blocks[1]).toMatch(/^NAME\s+TYPE\s+CLUSTER-IP.*\nservice\/web\s+ClusterIP\s/);
    // One type asked for by TYPE/NAME: plain names, as kubectl prints them.
    expect((await ctl(["get", "svc/web", "-n", "shop"])).stdout).toMatch(/\nweb\s+ClusterIP\s/);
    const s = await ctl(["get", "svc/web", "deployment.apps/web", "-n", "shop", "-o", "name"]);
    expect(s.stdout).toBe("service/web\ndeployment.apps/web\n");
  });

  test("get -l and --field-selector filter", async () => {
    await ctl(["apply", "-f", "-"], "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: lab\n  labels:\n    tier: x\n");
    expect((await ctl(["get", "cm", "-l", "tier=x", "-o", "name"])).stdout).toBe("configmap/lab\n");
    expect((await ctl(["get", "cm", "--field-selector", "metadata.name=l2", "-o", "name"])).stdout).toBe("configmap/l2\n");
    const none = await ctl(["get", "cm", "-l", "tier=nothing"]);
    expect(none.stderr).toBe("No resources found in default namespace.\n");
  });

  test("get -o yaml and -o json of one object and of a list", async () => {
    const y = await ctl(["get", "svc", "web", "-n", "shop", "-o", "yaml"]);
    expect(y.stdout).toMatch(/^apiVersion: v1\nkind: Service\n/);
    const list = JSON.parse((await ctl(["get", "ns", "-o", "json"])).stdout);
    expect(list.kind).toBe("List");
    expect(list.items.map((n: any) => n.kind)).toContain("Namespace");
    expect(list.items.map((n: any) => n.metadata.name)).toContain("shop");
  });

  test("describe shows identity, fields and events", async () => {
    const r = await ctl(["describe", "deployment", "web", "-n", "shop"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Name:\s+web\nNamespace:\s+shop\n/);
    expect(r.stdout).toMatch(/\nLabels:\s+app=web\n/);
    expect(r.stdout).toContain("Replicas:");
    expect(r.stdout).toMatch(/\nEvents:/);
    expect(r.stdout).not.toContain("last-applied-configuration");
  });

  test("errors read like kubectl's and exit 1", async () => {
    expect(await ctl(["get", "pod", "nope"])).toEqual({ code: 1, stdout: "", stderr: 'Error from server (NotFound): pods "nope" not found\n' });
    const t = await ctl(["get", "widgets"]);
    expect(t.code).toBe(1);
    expect(t.stderr).toBe('error: the server doesn\'t have a resource type "widgets"\n');
    const d = await ctl(["delete", "cm", "nope"]);
    expect(d).toEqual({ code: 1, stdout: "", stderr: 'Error from server (NotFound): configmaps "nope" not found\n' });
    expect((await ctl(["delete", "cm", "nope", "--ignore-not-found"])).code).toBe(0);
    expect((await ctl(["delete"])).stderr).toBe("error: You must provide one or more resources by argument or filename.\n");
    expect((await ctl(["delete", "cm"])).stderr).toBe("error: resource(s) were provided, but no name was specified\n");
  });

  test("delete by name, by -l, by --all and by -f, waiting until gone", async () => {
    expect((await ctl(["delete", "cm", "c", "-n", "shop"])).stdout).toBe('configmap "c" deleted\n');
    expect((await ctl(["delete", "cm", "-l", "tier=x"])).stdout).toBe('configmap "lab" deleted\n');
    const all = await ctl(["delete", "cm", "--all", "--wait=false"]);
    expect(all.stdout).toContain('configmap "l1" deleted\n');
    expect(all.stdout).toContain('configmap "l2" deleted\n');
    // The namespace goes last: deleting it first races its controller emptying it.
    const file = join(dataDir, "workloads.yaml");
    writeFileSync(file, readFileSync(join(FIXTURES, "web.yaml"), "utf8").split("---\n").slice(1).join("---\n"));
    const f = await ctl(["delete", "-f", file, "--grace-period", "0"]);
    expect(f).toEqual({ code: 0, stderr: "", stdout: 'deployment.apps "web" deleted\nservice "web" deleted\n' });
    expect((await ctl(["get", "deploy,svc", "-n", "shop"])).stderr).toBe("No resources found in shop namespace.\n");
    expect((await ctl(["delete", "ns/shop"])).stdout).toBe('namespace "shop" deleted\n');
    expect((await ctl(["get", "ns", "shop"])).code).toBe(1);
  });
});
