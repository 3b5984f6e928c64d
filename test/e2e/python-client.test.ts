/**
 * The official Python client (Debian's python3-kubernetes, scripts/test-deps.sh installs it)
 * against a real k3rs server over HTTPS with its admin kubeconfig: discovery with trailing
 * slashes, watch (the client sends watch=True), paging, merge and JSON patches, errors, status
 * on create, and PUT of an object as read back. test/fixtures/python/client-calls.py makes the
 * calls and prints what each saw. Exec and log streaming need a real pod: they are in
 * test/e2e/hpa-real-pods.test.ts (test/fixtures/python/stream-calls.py).
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ServerHandle } from "../../src/server/run.ts";
import { startHttpsTestServer } from "../helpers/https-server.ts";

const PYTHON = "/usr/bin/python3";
const SCRIPT = join(import.meta.dir, "../fixtures/python/client-calls.py");
const hasClient = existsSync(PYTHON) && Bun.spawnSync([PYTHON, "-c", "import kubernetes"]).exitCode === 0;

let server: ServerHandle;
let dir: string;
let seen: Record<string, any>;

beforeAll(async () => {
  if (!hasClient) return;
  dir = mkdtempSync(join(tmpdir(), "extend-python-"));
  server = await startHttpsTestServer(dir, "extend-python-node");
  // Async: the server answers from this very process.
  const p = Bun.spawn([PYTHON, SCRIPT, server.kubeconfigPath, "extend-python"], { stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  if (code !== 0) throw new Error(`client-calls.py exited ${code}: ${err.slice(-2000)}`);
  seen = JSON.parse(out.trim().split("\n").at(-1)!);
}, 120_000);

afterAll(async () => {
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test.skipIf(!hasClient)("discovery and version, asked with a trailing slash", () => {
  expect(seen.version).toMatch(/^v1\.32\./);
  expect(seen.core_versions).toEqual(["v1"]);
  expect(seen.api_groups).toBe(true);
  expect(seen.core_resources).toBe(true);
});

test.skipIf(!hasClient)("watch=True streams events", () => {
  expect(seen.watch_events).toEqual([["ADDED", "cm0"], ["ADDED", "cm1"]]);
});

test.skipIf(!hasClient)("paging, patches and errors", () => {
  expect(seen.paging).toEqual([2, true, 1]);
  expect(seen.patch_merge_dict).toBe("merged");
  expect(seen.patch_json_list).toBe("jp");
  expect(seen.read_missing).toMatchObject({ error: 404 });
});

test.skipIf(!hasClient)("creates answer with status; a read-back object replaces cleanly", () => {
  expect(seen.deployment_status).toBe(true);
  expect(seen.job_status).toBe(true);
  expect(seen.replace_pod).toEqual({ touched: "yes" });
  expect(seen.replace_job).toEqual({ touched: "yes" });
  expect(seen.delete_ns).toBe(true);
});
