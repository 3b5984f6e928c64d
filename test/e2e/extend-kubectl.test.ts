/**
 * End-to-end with the real kubectl (/usr/bin/kubectl 1.32, default settings: client-side
 * validation from our OpenAPI) against a real k3rs server over HTTPS (no agent): a
 * CustomResourceDefinition applied and waited for, custom resources with printer columns,
 * short names and explain; server-side apply with a conflict and --force-conflicts; kubectl
 * autoscale and get hpa; deleting the definition removes its objects.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ServerHandle } from "../../src/server/run.ts";
import { startHttpsTestServer } from "../helpers/https-server.ts";

const KUBECTL = "/usr/bin/kubectl";
const NS = "extend-e2e";
let server: ServerHandle;
let dir: string;

async function kubectl(args: string[], stdin?: string): Promise<{ code: number; out: string; err: string }> {
  const p = Bun.spawn([KUBECTL, "--kubeconfig", server.kubeconfigPath, ...args], { stdin: stdin === undefined ? "ignore" : new TextEncoder().encode(stdin), stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { code, out, err };
}

async function ok(args: string[], stdin?: string): Promise<string> {
  const r = await kubectl(args, stdin);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(" ")} failed (${r.code}): ${r.err}`);
  return r.out;
}

const CRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.extend.example.com
spec:
  group: extend.example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget, shortNames: [wdg]}
  versions:
  - name: v1
    served: true
    storage: true
    subresources: {status: {}}
    additionalPrinterColumns:
    - {name: Size, type: integer, jsonPath: .spec.size}
    - {name: Color, type: string, jsonPath: .spec.color}
    - {name: Age, type: date, jsonPath: .metadata.creationTimestamp}
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            description: What the widget should be.
            required: [size]
            properties:
              size: {type: integer, minimum: 1, description: How big the widget is.}
              color: {type: string, enum: [red, blue], default: red}
`;

describe.skipIf(!existsSync(KUBECTL))("kubectl: custom resources, server-side apply, autoscale", () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "extend-kubectl-"));
    server = await startHttpsTestServer(dir, "extend-kubectl-node");
    await ok(["create", "namespace", NS]);
  });
  afterAll(async () => {
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test("apply a CRD, wait for Established, apply and list custom resources", async () => {
    expect(await ok(["apply", "-f", "-"], CRD)).toContain("customresourcedefinition.apiextensions.k8s.io/widgets.extend.example.com created");
    await ok(["wait", "--for=condition=Established", "crd/widgets.extend.example.com", "--timeout=30s"]);
    const w = (name: string, size: number) => `apiVersion: extend.example.com/v1\nkind: Widget\nmetadata: {name: ${name}, namespace: ${NS}}\nspec: {size: ${size}}\n`;
    expect(await ok(["apply", "-f", "-"], w("small", 1) + "---\n" + w("big", 9))).toContain("widget.extend.example.com/small created");
    const table = await ok(["get", "widgets", "-n", NS]);
    const [header, ...rows] = table.trim().split("\n");
    expect(header!.split(/\s+/)).toEqual(["NAME", "SIZE", "COLOR", "AGE"]);
    expect(rows.map((r) => r.split(/\s+/).slice(0, 3))).toEqual([["big", "9", "red"], ["small", "1", "red"]]);
    expect(await ok(["get", "wdg", "-n", NS, "-o", "name"])).toContain("widget.extend.example.com/big");
    const bad = await kubectl(["apply", "-f", "-"], w("zero", 0));
    expect(bad.code).not.toBe(0);
    expect(bad.err).toContain("spec.size");
  });

  test("kubectl explain reads the custom resource's schema", async () => {
    const out = await ok(["explain", "widgets.spec"]);
    expect(out).toContain("What the widget should be.");
    expect(out).toMatch(/size\s+<integer>\s+-required-/);
  });

  test("server-side apply: a conflict names the other manager; --force-conflicts takes the field", async () => {
    const cm = (v: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: shared, namespace: ${NS}}\ndata: {key: "${v}"}\n`;
    expect(await ok(["apply", "--server-side", "-f", "-"], cm("one"))).toContain("configmap/shared serverside-applied");
    const clash = await kubectl(["apply", "--server-side", "--field-manager=other", "-f", "-"], cm("two"));
    expect(clash.code).not.toBe(0);
    expect(clash.err).toContain('Apply failed with 1 conflict: conflict with "kubectl" using v1: .data.key');
    expect(clash.err).toContain("--force-conflicts");
    await ok(["apply", "--server-side", "--field-manager=other", "--force-conflicts", "-f", "-"], cm("two"));
    const managers = JSON.parse(await ok(["get", "configmap", "shared", "-n", NS, "-o", "json", "--show-managed-fields"])).metadata.managedFields;
    expect(managers.find((m: any) => m.manager === "other").fieldsV1).toEqual({ "f:data": { "f:key": {} } });
    expect(await ok(["get", "configmap", "shared", "-n", NS, "-o", "jsonpath={.data.key}"])).toBe("two");
  });

  test("kubectl autoscale and get hpa", async () => {
    await ok(["create", "deployment", "web", "--image=busybox", "-n", NS]);
    expect(await ok(["autoscale", "deployment", "web", "--min=1", "--max=3", "--cpu-percent=50", "-n", NS])).toContain("horizontalpodautoscaler.autoscaling/web autoscaled");
    const [header, row] = (await ok(["get", "hpa", "-n", NS])).trim().split("\n");
    expect(header!.split(/\s+/)).toEqual(["NAME", "REFERENCE", "TARGETS", "MINPODS", "MAXPODS", "REPLICAS", "AGE"]);
    expect(row!.split(/\s+/).slice(0, 2)).toEqual(["web", "Deployment/web"]);
    const v2 = JSON.parse(await ok(["get", "hpa.v2.autoscaling", "web", "-n", NS, "-o", "json"]));
    expect(v2.spec.metrics[0].resource.target.averageUtilization).toBe(50);
  });

  test("deleting the CRD deletes its objects", async () => {
    await ok(["delete", "crd", "widgets.extend.example.com", "--timeout=30s"]);
    const gone = await kubectl(["get", "widgets", "-n", NS]);
    expect(gone.code).not.toBe(0);
    expect(server.store.revision()).toBeGreaterThan(0);
    expect((await server.store.list("/widgets.extend.example.com/")).items).toEqual([]);
  });
});
