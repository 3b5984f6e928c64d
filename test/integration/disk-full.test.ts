/**
 * The disk under the server's store fills up (an edge box's SD card, filled by logs): writes
 * are refused with a Status that says so, reads go on, nothing acknowledged is lost, the log
 * says it once, and writes succeed again as soon as space is freed — no restart needed.
 *
 * A real server on a real 48 MiB tmpfs of its own, filled by a file (root, for the mount).
 */
import { afterAll, beforeAll, expect, spyOn, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RestClient } from "../../src/client/rest-client.ts";
import { loadKubeconfig } from "../../src/client/kubeconfig.ts";
import { StatusError } from "../../src/model/errors.ts";
import type { ServerHandle } from "../../src/server/run.ts";
import { startHttpsTestServer } from "../helpers/https-server.ts";
import { freePort } from "../helpers/e2e-server.ts";
import { must, sh } from "../helpers/shell.ts";

const ROOT = process.getuid?.() === 0;
const NS = "/api/v1/namespaces/default";
let mnt: string;
let server: ServerHandle | undefined;
let admin: RestClient;
let stderr: ReturnType<typeof spyOn<typeof process.stderr, "write">>;
/** The store's log lines so far (the server logs JSON lines on stderr). */
const logged = () => stderr.mock.calls.map((c) => String(c[0])).filter((l) => l.includes('"msg":"store: writes'));
const filler = () => join(mnt, "filler");
const FAILING = "store: writes fail";
const RECOVERED = "store: writes succeed again";

beforeAll(async () => {
  if (!ROOT) return;
  mnt = mkdtempSync(join(tmpdir(), "k3rs-disk-full-"));
  await must(["mount", "-t", "tmpfs", "-o", "size=48m", "k3rs-disk-full", mnt]);
  mkdirSync(join(mnt, "data"));
  stderr = spyOn(process.stderr, "write");
  server = await startHttpsTestServer(join(mnt, "data"), "disk-full");
  admin = new RestClient(loadKubeconfig(server.kubeconfigPath));
});

afterAll(async () => {
  if (!ROOT) return;
  stderr?.mockRestore();
  await server?.stop();
  if ((await sh(["umount", mnt])).code !== 0) await sh(["umount", "-l", mnt]);
  rmSync(mnt, { recursive: true, force: true });
});

const configMap = (name: string) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name }, data: { v: "x".repeat(2_000) } });
const create = (name: string) => admin.request(`${NS}/configmaps`, { method: "POST", body: configMap(name) });

/** Fills the file system to the last byte. */
function fill(): void {
  const block = Buffer.alloc(1 << 20);
  try {
    for (;;) writeFileSync(filler(), block, { flag: "a" });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOSPC") throw e;
  }
  const small = Buffer.alloc(4096);
  try {
    for (;;) writeFileSync(filler(), small, { flag: "a" });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOSPC") throw e;
  }
}

test.skipIf(!ROOT)("a full disk refuses writes with a clear Status, keeps what was written, and writes again once space is freed", async () => {
  await create("before");
  fill();

  const refused: StatusError[] = [];
  for (let i = 0; i < 5; i++) refused.push(await create(`during-${i}`).then(() => undefined, (e) => e));
  // Some small writes may still fit in pages SQLite holds; most cannot.
  const errors = refused.filter((e): e is StatusError => e instanceof StatusError);
  expect(errors.length).toBeGreaterThan(0);
  for (const e of errors) {
    expect(e.code).toBe(500);
    expect(e.message).toContain("database or disk is full: the disk holding the server's store has no room for this write");
  }
  expect(JSON.parse(logged()[0]!)).toMatchObject({ level: "error", cause: "database or disk is full" });
  expect(JSON.parse(logged()[0]!).msg.startsWith(FAILING)).toBe(true);

  // Reads go on.
  expect((await admin.request(`${NS}/configmaps/before`)).metadata.name).toBe("before");
  const listed = (await admin.request(`${NS}/configmaps`)).items.map((c: { metadata: { name: string } }) => c.metadata.name);
  expect(listed).toContain("before");
  for (let i = 0; i < 5; i++) if (refused[i]) expect(listed).not.toContain(`during-${i}`);

  rmSync(filler());
  await create("after");
  // Told once a spell, not once a write: failures and recoveries alternate (a small write can
  // still fit in a page SQLite has, so a spell may end and start again while the disk is full).
  const told = logged().map((l) => JSON.parse(l).msg as string);
  expect(told.length).toBeGreaterThanOrEqual(2);
  told.forEach((msg, i) => expect(msg.startsWith(i % 2 === 0 ? FAILING : RECOVERED)).toBe(true));
  expect(told.at(-1)).toBe(RECOVERED);

  // A restart finds every acknowledged write and none refused.
  await server!.stop();
  server = await startHttpsTestServer(join(mnt, "data"), "disk-full");
  admin = new RestClient(loadKubeconfig(server.kubeconfigPath));
  const names = (await admin.request(`${NS}/configmaps`)).items.map((c: { metadata: { name: string } }) => c.metadata.name);
  expect(names).toContain("before");
  expect(names).toContain("after");
  for (let i = 0; i < 5; i++) expect(names.includes(`during-${i}`)).toBe(refused[i] === undefined);
}, 60_000);

test.skipIf(!ROOT)("a server that cannot start on a full disk says the disk is full", async () => {
  await server!.stop();
  server = undefined;
  fill();
  try {
    const dataDir = join(mnt, "data");
    const proc = Bun.spawn([process.execPath, join(import.meta.dir, "../../src/main.ts"), "server", "--data-dir", dataDir, "--https-listen-port", String(await freePort()), "--bind-address", "127.0.0.1", "--disable-agent"], { stdout: "ignore", stderr: "pipe" });
    const timer = setTimeout(() => proc.kill(9), 30_000);
    const [code, err] = await Promise.all([proc.exited, new Response(proc.stderr).text()]);
    clearTimeout(timer);
    expect(code).toBe(1);
    expect(err).toMatch(new RegExp(`k3rs server: .*; the disk holding ${dataDir} is full \\(\\d+ bytes free\\): free space there and start again`));
  } finally {
    rmSync(filler(), { force: true });
  }
}, 60_000);
