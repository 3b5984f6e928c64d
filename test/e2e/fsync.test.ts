/**
 * fsync before acknowledgement, seen from the kernel: the built server is traced with strace
 * while it takes writes one after another, and at every write to a client socket every WAL
 * write before it has been followed by a sync of the WAL (on any thread: the store syncs on
 * libuv's pool) — so no 201 leaves before its commit is on disk. Under concurrent load one
 * sync serves many writes (group commit).
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import YAML from "yaml";
import { startE2EServer, type E2EServer } from "../helpers/e2e-server.ts";

let server: E2EServer;
let tls: { ca: string; cert: string; key: string };
beforeAll(async () => {
  server = await startE2EServer({ extraArgs: ["--disable-snapshots"] });
  const kc = YAML.parse(readFileSync(server.kubeconfig, "utf8"));
  const b = (s: string) => Buffer.from(s, "base64").toString("utf8");
  tls = { ca: b(kc.clusters[0].cluster["certificate-authority-data"]), cert: b(kc.users[0].user["client-certificate-data"]), key: b(kc.users[0].user["client-key-data"]) };
});
afterAll(() => server?.stop());

/** Runs `load` with strace attached to every thread of the server; returns the trace lines. */
async function traced(name: string, load: () => Promise<void>): Promise<string[]> {
  const out = join(server.dataDir, `strace-${name}`);
  const strace = Bun.spawn(["strace", "-f", "-yy", "-p", String(server.proc.pid), "-e", "trace=pwrite64,pwritev,write,writev,sendto,sendmsg,fsync,fdatasync", "-o", out], { stderr: "pipe" });
  // strace reports each attached thread on stderr; the load starts once the main thread is.
  const reader = (strace.stderr as ReadableStream<Uint8Array>).getReader();
  let said = "";
  while (!said.includes(`Process ${server.proc.pid} attached`)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`strace did not attach: ${said}`);
    said += new TextDecoder().decode(value);
  }
  await Bun.sleep(300); // the other threads are attached right after the first
  await load();
  await Bun.sleep(200);
  strace.kill("SIGINT");
  await strace.exited;
  return readFileSync(out, "utf8").split("\n");
}

type Step = "wal-write" | "wal-sync" | "reply";

/**
 * The trace as WAL writes, WAL syncs and writes to the API's client sockets, in order. A sync
 * counts where it returns: strace splits a call another thread interrupts into
 * `fsync(…) <unfinished ...>` and `<... fsync resumed>`, and only the second means "on disk".
 */
function steps(lines: string[], port: number): Step[] {
  const out: Step[] = [];
  const pendingSync = new Set<string>();
  for (const line of lines) {
    const pid = line.split(/\s+/)[0]!;
    if (/<\.\.\. (fsync|fdatasync) resumed>/.test(line)) {
      if (pendingSync.delete(pid)) out.push("wal-sync");
    } else if (/(pwrite64|pwritev)\(\d+<[^>]*-wal>/.test(line)) out.push("wal-write");
    else if (/(fsync|fdatasync)\(\d+<[^>]*-wal>/.test(line)) {
      if (line.includes("<unfinished ...>")) pendingSync.add(pid);
      else out.push("wal-sync");
    } else if (new RegExp(`(sendto|write|writev|sendmsg)\\(\\d+<TCP:\\[[0-9.]+:${port}->`).test(line)) out.push("reply");
  }
  return out;
}

/** Replies sent while a WAL write was not yet synced: must be none. */
function repliesBeforeSync(s: Step[]): number {
  let unsynced = false;
  let bad = 0;
  for (const step of s) {
    if (step === "wal-write") unsynced = true;
    else if (step === "wal-sync") unsynced = false;
    else if (unsynced) bad++;
  }
  return bad;
}

const post = (name: string) =>
  fetch(`https://127.0.0.1:${server.port}/api/v1/namespaces/default/configmaps`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name }, data: { v: "x" } }),
    tls,
  } as any).then((r) => r.status);

test("sequential writes: each 201 follows an fsync of its commit", async () => {
  const codes: number[] = [];
  const trace = await traced("sequential", async () => {
    for (let i = 0; i < 20; i++) codes.push(await post(`dur-seq-${i}`));
  });
  expect(codes).toEqual(Array(20).fill(201));
  const s = steps(trace, server.port);
  expect(s.filter((x) => x === "reply").length).toBeGreaterThanOrEqual(20);
  expect(s.filter((x) => x === "wal-sync").length).toBeGreaterThanOrEqual(20);
  expect(repliesBeforeSync(s)).toBe(0);
}, 60_000);

/**
 * Under concurrent load the thread goes on while a commit's WAL is synced (src/store/wal-sync.ts):
 * it writes the replies of the batch synced before, and TLS handshakes of new connections, so
 * writes to client sockets fall between a WAL write and its sync, and which of them answers
 * which batch is not in the trace. Here: one sync serves many writes. That no write resolves
 * before its own commit's sync is src/store/sqlite.test.ts's to show.
 */
test("concurrent writes: one sync serves many writes", async () => {
  let codes: number[] = [];
  const trace = await traced("concurrent", async () => {
    codes = await Promise.all(Array.from({ length: 64 }, (_, i) => post(`dur-conc-${i}`)));
  });
  expect(codes).toEqual(Array(64).fill(201));
  const s = steps(trace, server.port);
  const syncs = s.filter((x) => x === "wal-sync").length;
  expect(syncs).toBeGreaterThan(0);
  expect(syncs).toBeLessThan(64);
}, 60_000);
