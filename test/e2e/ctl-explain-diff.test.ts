/**
 * `k3rs ctl explain` and `k3rs ctl diff` (the BUILT executable) beside the real kubectl 1.32
 * on the same server (no agent: both read objects and OpenAPI only): stdout, stderr and exit
 * codes compared; for diff, the temp dirs' names, file times and what a dry-run create makes
 * anew (uid, creationTimestamp) are masked.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { K3RS_BIN, KUBECTL, startE2EServer, type E2EServer } from "../helpers/e2e-server.ts";

let s: E2EServer;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(argv: string[], env: Record<string, string> = {}): Promise<Run> {
  const p = Bun.spawn(argv, { stdin: "ignore", stdout: "pipe", stderr: "pipe", env: { ...process.env, HOME: s.dataDir, KUBECACHEDIR: join(s.dataDir, "kubecache"), ...env } });
  const timer = setTimeout(() => p.kill(9), 60_000);
  const [stdout, stderr] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text()]);
  const code = await p.exited;
  clearTimeout(timer);
  return { code, stdout, stderr };
}

const ctl = (args: string[], env?: Record<string, string>) => run([K3RS_BIN, "ctl", "--kubeconfig", s.kubeconfig, ...args], env);
const kubectl = (args: string[], env?: Record<string, string>) => run([KUBECTL, "--kubeconfig", s.kubeconfig, ...args], env);

async function same(args: string[], o: { env?: Record<string, string>; masker?: (t: string) => string } = {}): Promise<Run> {
  const m = o.masker ?? ((t: string) => t);
  const mine = await ctl(args, o.env);
  const theirs = await kubectl(args, o.env);
  expect({ args, code: mine.code, stdout: m(mine.stdout), stderr: m(mine.stderr) }).toEqual({ args, code: theirs.code, stdout: m(theirs.stdout), stderr: m(theirs.stderr) });
  return mine;
}

async function k(args: string[], stdin?: string): Promise<string> {
  const p = Bun.spawn([KUBECTL, "--kubeconfig", s.kubeconfig, ...args], { stdin: stdin === undefined ? "ignore" : new TextEncoder().encode(stdin), stdout: "pipe", stderr: "pipe", env: { ...process.env, HOME: s.dataDir } });
  const [out, err] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text()]);
  if ((await p.exited) !== 0) throw new Error(`kubectl ${args.join(" ")}: ${err}`);
  return out;
}

const CRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.ed.example.com}
spec:
  group: ed.example.com
  names: {plural: widgets, singular: widget, kind: Widget, shortNames: [wd]}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        description: A widget, to explain.
        properties:
          spec:
            type: object
            required: [size]
            properties:
              size: {type: integer, description: How big the widget is, in a sentence long enough to be wrapped.}
              color: {type: string, enum: [red, green, blue, "", cyan]}
              tags: {type: object, additionalProperties: {type: string}}
              parts: {type: array, items: {type: object, properties: {name: {type: string}}}}
`;

const LIVE = `apiVersion: v1
kind: Namespace
metadata: {name: ed}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: ed, labels: {app: web}}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: main, image: k3rs.local/busybox:1}]}
---
apiVersion: v1
kind: Secret
metadata: {name: s, namespace: ed}
stringData: {a: one, b: two}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: c, namespace: ed}
data: {k: v}
---
apiVersion: ed.example.com/v1
kind: Widget
metadata: {name: w, namespace: ed}
spec: {size: 3}
`;

const CHANGED = `${LIVE.replace("busybox:1", "busybox:2").replace("two", "three").replace("k: v", "k: w, new: x").replace("size: 3", "size: 4")}---
apiVersion: v1
kind: ConfigMap
metadata: {name: fresh, namespace: ed}
data: {k: v}
`;

beforeAll(async () => {
  if (!existsSync(KUBECTL)) return;
  s = await startE2EServer();
  await k(["apply", "-f", "-"], CRD);
  await k(["wait", "--for=condition=Established", "crd/widgets.ed.example.com", "--timeout=30s"]);
  await k(["apply", "-f", "-"], LIVE);
  await Bun.write(join(s.dataDir, "live.yaml"), LIVE);
  await Bun.write(join(s.dataDir, "changed.yaml"), CHANGED);
  await Bun.write(join(s.dataDir, "bogus.yaml"), "apiVersion: v1\nkind: Bogus\nmetadata: {name: x}\n");
}, 90_000);
afterAll(async () => {
  await s?.stop();
});

describe.skipIf(!existsSync(KUBECTL))("k3rs ctl explain beside kubectl explain", () => {
  test.each([
    [["pods"]],
    [["pods.spec.containers"]],
    [["svc.spec.type"]],
    [["deploy.spec", "--recursive"]],
    [["deployments.apps.spec.strategy"]],
    [["Pod.metadata.labels"]],
    [["nodes.status", "--recursive"]],
    [["hpa.spec", "--api-version=autoscaling/v2"]],
    [["crd.spec.versions.schema.openAPIV3Schema", "--recursive"]],
    [["widgets"]],
    [["wd.spec"]],
    [["widgets.spec.color"]],
    [["widgets", "--recursive"]],
  ])("explain %p", async (args) => {
    await same(["explain", ...args]);
  });

  test.each([
    [[]],
    [["pods", "extra"]],
    [["xyz"]],
    [["pods.nope"]],
    [["pods.spec.containers.nope.deeper"]],
    [["deploy", "--api-version=apps/v2"]],
    [["deploy", "--api-version=v1"]],
  ])("errors in kubectl's words, non-zero: explain %p", async (args) => {
    const r = await same(["explain", ...args]);
    expect(r.code).not.toBe(0);
  });
});

/** Temp dirs, file times and what a dry-run create makes anew differ between two runs. */
const diffMask = (t: string) =>
  t
    .replace(/\/tmp\/(LIVE|MERGED)-\d+/g, "/tmp/$1-X")
    .replace(/\t\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+ [+-]\d{4}/g, "\t<time>")
    .replace(/uid: [0-9a-f-]{36}/g, "uid: <uid>")
    .replace(/creationTimestamp: "[^"]+"/g, 'creationTimestamp: "<time>"')
    .replace(/^W\d{4} [\d:.]+ +\d+ /gm, "W<klog> ");

describe.skipIf(!existsSync(KUBECTL))("k3rs ctl diff beside kubectl diff", () => {
  test("no change: nothing printed, exit 0", async () => {
    const r = await same(["diff", "-f", join(s.dataDir, "live.yaml")], { masker: diffMask });
    expect(r).toEqual({ code: 0, stdout: "", stderr: "" });
  }, 30_000);

  test("changes, a new object, a Secret (masked) and a custom resource: exit 1, the same unified diff", async () => {
    const r = await same(["diff", "-f", join(s.dataDir, "changed.yaml")], { masker: diffMask });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("+      - image: k3rs.local/busybox:2");
    expect(r.stdout).toContain("-  b: '*** (before)'\n+  b: '*** (after)'");
    expect(r.stdout).toContain("+  size: 4");
    expect(r.stdout).not.toContain("dGhyZWU="); // "three", the new secret value
  }, 30_000);

  test("KUBECTL_EXTERNAL_DIFF, --server-side, and errors (exit 2)", async () => {
    const changed = join(s.dataDir, "changed.yaml");
    await same(["diff", "-f", changed], { env: { KUBECTL_EXTERNAL_DIFF: "diff -q" }, masker: diffMask });
    await same(["diff", "-f", changed], { env: { KUBECTL_EXTERNAL_DIFF: "nope-diff-program" }, masker: diffMask });
    await same(["diff", "-f", changed, "--server-side", "--force-conflicts"], { masker: diffMask });
    // The client-side apply owns the image: a server-side apply conflicts, retried, then reported.
    expect((await same(["diff", "-f", changed, "--server-side"], { masker: diffMask })).code).toBe(2);
    for (const args of [["diff"], ["diff", "-f", join(s.dataDir, "missing.yaml")], ["diff", "-f", join(s.dataDir, "bogus.yaml")], ["diff", "-f", changed, "-n", "other"]]) {
      expect((await same(args, { masker: diffMask })).code).toBe(2);
    }
  }, 60_000);
});
