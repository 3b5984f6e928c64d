/**
 * `--dry-run=client|server` on every `k3rs ctl` verb that writes: the object on the server
 * stays exactly as it was (client sends no write, server sends dryRun=All), and the result line
 * says which dry run it was, in kubectl's words.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import type { ServerHandle } from "../../src/server/run.ts";
import { registerCtlCommand } from "../../src/cli/ctl/index.ts";
import { startHttpsTestServer } from "../helpers/https-server.ts";

let server: ServerHandle;
let dataDir: string;

async function ctl(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  let code = -1;
  const program = new Command("k3rs").exitOverride().enablePositionalOptions();
  program.configureOutput({ writeOut: (t) => (stdout += t), writeErr: (t) => (stderr += t) });
  registerCtlCommand(program, { io: { out: (t) => (stdout += t), err: (t) => (stderr += t) }, exit: (c) => (code = c) });
  await program.parseAsync(["ctl", ...args, "--kubeconfig", server.kubeconfigPath], { from: "user" });
  return { code, stdout, stderr };
}

const MANIFEST = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: main, image: busybox:1}]}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: c, namespace: default}
data: {k: v}
`;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "k3rs-ctl-dry-run-"));
  server = await startHttpsTestServer(dataDir, "dry-run-int");
  writeFileSync(join(dataDir, "m.yaml"), MANIFEST);
  writeFileSync(join(dataDir, "changed.yaml"), `${MANIFEST.replace("busybox:1", "busybox:2").replace("k: v", "k: w")}---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: fresh, namespace: default}\n`);
  expect(await ctl("apply", "-f", join(dataDir, "m.yaml"))).toMatchObject({ code: 0, stderr: "" });
});

afterAll(async () => {
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

/** What a dry run must not change. */
async function state(): Promise<string> {
  const r = await ctl("get", "deploy,cm", "-o", "jsonpath={range .items[*]}{.metadata.name} {.metadata.resourceVersion} {.metadata.labels} {.metadata.annotations}{\"\\n\"}{end}");
  expect(r.code).toBe(0);
  return r.stdout;
}

test.each([
  [["apply", "-f", "CHANGED"], "client", "deployment.apps/web configured (dry run)\nconfigmap/c configured (dry run)\nconfigmap/fresh created (dry run)\n"],
  [["apply", "-f", "CHANGED"], "server", "deployment.apps/web configured (server dry run)\nconfigmap/c configured (server dry run)\nconfigmap/fresh created (server dry run)\n"],
  [["label", "cm", "c", "x=y"], "client", "configmap/c labeled (dry run)\n"],
  [["annotate", "cm", "c", "x=y"], "server", "configmap/c annotated (server dry run)\n"],
  [["scale", "deploy", "web", "--replicas=3"], "client", "deployment.apps/web scaled (dry run)\n"],
  [["set", "image", "deploy/web", "main=busybox:3"], "client", "deployment.apps/web image updated (dry run)\n"],
  [["patch", "cm", "c", "-p", '{"data":{"z":"1"}}'], "client", "configmap/c patched\n"],
  [["delete", "cm", "c"], "client", 'configmap "c" deleted (dry run)\n'],
  [["delete", "cm", "c"], "server", 'configmap "c" deleted (server dry run)\n'],
  [["autoscale", "deploy", "web", "--max=3"], "client", "horizontalpodautoscaler.autoscaling/web created (dry run)\n"],
])("%p --dry-run=%s leaves the objects as they were", async (args, mode, out) => {
  const before = await state();
  const r = await ctl(...args.map((a) => (a === "CHANGED" ? join(dataDir, "changed.yaml") : a)), `--dry-run=${mode}`);
  expect(r).toEqual({ code: 0, stdout: out, stderr: "" });
  expect(await state()).toBe(before);
  expect((await ctl("get", "cm", "fresh")).code).toBe(1);
  expect((await ctl("get", "hpa", "web")).code).toBe(1);
});

test("a bad --dry-run value is refused before anything is sent", async () => {
  const before = await state();
  expect(await ctl("label", "cm", "c", "x=y", "--dry-run=bogus")).toEqual({ code: 1, stdout: "", stderr: 'error: Invalid dry-run value (bogus). Must be "none", "server", or "client".\n' });
  expect(await ctl("apply", "--server-side", "-f", join(dataDir, "m.yaml"), "--dry-run=client")).toMatchObject({ code: 1, stderr: "error: --dry-run=client doesn't work with --server-side (did you mean --dry-run=server instead?)\n" });
  expect(await state()).toBe(before);
});
