/** `k3rs ctl` from the built executable: the everyday subset, printing what kubectl prints. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { K3RS_BIN, KUBECTL, startE2EServer, type E2EServer } from "../helpers/e2e-server.ts";
import { ensureTestImages } from "../helpers/test-images.ts";

const FIXTURES = resolve(import.meta.dir, "../fixtures/manifests");
let s: E2EServer;

async function ctl(args: string[], stdin?: string) {
  const p = Bun.spawn([K3RS_BIN, "ctl", "--kubeconfig", s.kubeconfig, ...args], { stdin: stdin !== undefined ? new TextEncoder().encode(stdin) : "ignore", stdout: "pipe", stderr: "pipe", env: { ...process.env, HOME: s.dataDir } });
  const [stdout, stderr] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text()]);
  return { code: await p.exited, stdout, stderr };
}

describe("k3rs ctl", () => {
  beforeAll(async () => {
    s = await startE2EServer();
  });
  afterAll(async () => {
    await s?.stop();
  });

  test("version", async () => {
    const r = await ctl(["version"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Client Version: v1\.32\.0\+k3rs-.*\nServer Version: v1\.32\.0\+k3rs-/);
  });

  test("apply creates, then reports unchanged and configured", async () => {
    const file = join(FIXTURES, "web.yaml");
    const a = await ctl(["apply", "-f", file]);
    expect(a.stderr).toBe("");
    expect(a.stdout).toBe("namespace/shop created\ndeployment.apps/web created\nservice/web created\n");
    const b = await ctl(["apply", "-f", file]);
    expect(b.stdout).toContain("deployment.apps/web unchanged");
    const c = await ctl(["apply", "-f", "-"], "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: shop\ndata:\n  a: '1'\n  b: '2'\n");
    expect(c.stdout).toBe("configmap/c created\n");
    const d = await ctl(["apply", "-f", "-"], "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: shop\ndata:\n  a: '1'\n");
    expect(d.stdout).toBe("configmap/c configured\n");
    const got = JSON.parse((await ctl(["get", "cm", "c", "-n", "shop", "-o", "json"])).stdout);
    expect(got.data).toEqual({ a: "1" });
    // kubectl sees the same last-applied state and agrees nothing changed.
    const k = await s.kubectl(["apply", "-f", file]);
    expect(k.stdout).toContain("deployment.apps/web unchanged");
  });

  test("a typo in a manifest is refused", async () => {
    const r = await ctl(["apply", "-f", "-"], "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: typo\ndatta: {}\n");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('unknown field "datta"');
  });

  test.skipIf(!existsSync(KUBECTL))("get prints exactly what kubectl prints", async () => {
    for (const args of [["get", "deploy", "-n", "shop", "-o", "wide"], ["get", "svc", "-A"], ["get", "ns", "--show-labels"], ["get", "cm", "-n", "shop", "--no-headers"], ["get", "deploy,svc", "-n", "shop"], ["get", "svc/web", "-n", "shop"]]) {
      const mine = await ctl(args);
      const theirs = await s.kubectl(args);
      expect(mine.code).toBe(0);
      // AGE may tick over between the two calls; compare with ages masked.
      const mask = (t: string) => t.replace(/\b\d+[smhd](\d+[smh])?\b/g, "<age>");
      expect(mask(mine.stdout)).toBe(mask(theirs.stdout));
    }
  });

  test("get -o yaml|json|name and the empty case", async () => {
    expect((await ctl(["get", "deployment/web", "-n", "shop", "-o", "name"])).stdout).toBe("deployment.apps/web\n");
    expect((await ctl(["get", "svc", "web", "-n", "shop", "-o", "yaml"])).stdout).toContain("kind: Service");
    const list = JSON.parse((await ctl(["get", "ns", "-o", "json"])).stdout);
    expect(list.kind).toBe("List");
    const none = await ctl(["get", "pods"]);
    expect(none.code).toBe(0);
    expect(none.stderr).toBe("No resources found in default namespace.\n");
  });

  test("describe shows fields", async () => {
    const r = await ctl(["describe", "deployment", "web", "-n", "shop"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Name:\s+web\nNamespace:\s+shop\n/);
    expect(r.stdout).toContain("Replicas:");
    expect(r.stdout).toContain("Events:");
  });

  test("errors read like kubectl's and exit 1", async () => {
    const r = await ctl(["get", "pod", "nope"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('Error from server (NotFound): pods "nope" not found\n');
    const t = await ctl(["get", "widgets"]);
    expect(t.code).toBe(1);
    expect(t.stderr).toContain('the server doesn\'t have a resource type "widgets"');
  });

  test.skipIf(!existsSync("/bin/busybox"))("image import and export: progress on stderr only, stdout keeps the result or the archive", async () => {
    const { busybox } = await ensureTestImages();
    const bytes = await Bun.file(busybox).bytes();
    const sha = (b: Uint8Array) => new Bun.CryptoHasher("sha256").update(b).digest("hex");
    const plain = await ctl(["image", "import", busybox, "--progress=plain"]);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toBe(`imported docker.io/library/busybox:latest, docker.io/k3rs/busybox:test (${sha(bytes).slice(0, 12)})\n`);
    expect(plain.stderr).toMatch(/^(busybox\.tar: [\d.]+[kM]?B\/[\d.]+MB \(\d+%\), .*\n)*busybox\.tar: [\d.]+MB in \d+\.\ds \([\d.]+[kMG]?B\/s\)\n$/);
    // Not a terminal and no --progress: nothing on stderr at all.
    expect(await ctl(["image", "import", busybox])).toMatchObject({ code: 0, stderr: "" });
    // --progress=tty draws its bar in place on stderr even here; stdout is only the archive.
    const p = Bun.spawn([K3RS_BIN, "ctl", "--kubeconfig", s.kubeconfig, "image", "export", "busybox", "--progress=tty"], { stdout: "pipe", stderr: "pipe", env: { ...process.env, HOME: s.dataDir } });
    const [out, err] = await Promise.all([new Response(p.stdout).bytes(), new Response(p.stderr).text()]);
    expect(await p.exited).toBe(0);
    expect(sha(out)).toBe(sha(bytes));
    expect(err).toStartWith("\r\x1b[K");
    expect(err).toMatch(/\[=+\] 100%  [\d.]+MB\/[\d.]+MB  [\d.]+[kMG]?B\/s  ETA 0s\n$/);
  });

  test("delete by name, -l and -f, waiting until gone", async () => {
    expect((await ctl(["delete", "cm", "c", "-n", "shop"])).stdout).toBe('configmap "c" deleted\n');
    expect((await ctl(["delete", "-f", join(FIXTURES, "web.yaml")])).stdout).toContain('namespace "shop" deleted');
    expect((await ctl(["get", "ns", "shop"])).code).toBe(1);
  });
});
