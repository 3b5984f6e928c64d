/**
 * The cluster image store end to end without containerd: a real server (HTTPS, client
 * certs, its store in a temp dir), `k3rs ctl image import|ls|rm` through commander, and the
 * image syncers of two agents (node certificates, their own download dirs) — plus a third
 * that "joins later" and still gets every image. What the dir watcher then does with the
 * files is containerd's business (test/e2e/images.test.ts).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHash, randomBytes } from "node:crypto";
import { gzipSync } from "node:zlib";
import { Command } from "commander";
import type { ServerHandle } from "../../src/server/run.ts";
import { registerCtlCommand } from "../../src/cli/ctl/index.ts";
import { loadKubeconfig } from "../../src/client/kubeconfig.ts";
import { RestClient } from "../../src/client/rest-client.ts";
import { AgentApi } from "../../src/agent/agent-api.ts";
import { writeOciArchive } from "../../src/agent/images/oci-archive.ts";
import { packTar } from "../../src/agent/images/tar.ts";
import { archiveFileName, startImageSync, type ImageSync } from "../../src/agent/images/image-sync.ts";
import { IMAGES_PATH } from "../../src/model/cluster-image.ts";
import { nodeClient as joinedClient, startHttpsTestServer } from "../helpers/https-server.ts";

let server: ServerHandle;
let dataDir: string;
let work: string;
const stops: AbortController[] = [];

async function ctl(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  let code = -1;
  const program = new Command("k3rs").exitOverride().enablePositionalOptions();
  program.configureOutput({ writeOut: (t) => (stdout += t), writeErr: (t) => (stderr += t) });
  registerCtlCommand(program, { io: { out: (t) => (stdout += t), err: (t) => (stderr += t) }, exit: (c) => (code = c) });
  await program.parseAsync(["ctl", ...args, "--kubeconfig", server.kubeconfigPath], { from: "user" });
  return { code, stdout, stderr };
}

/** A client with a node's certificate, as an agent has after joining. */
function nodeClient(name: string): Promise<RestClient> {
  return joinedClient(server, dataDir, name);
}

/** An agent's image syncer with its own download dir (no watcher, no containerd behind it). */
async function agentSync(name: string): Promise<{ sync: ImageSync; dir: string }> {
  const api = new AgentApi(await nodeClient(name));
  const dir = join(work, name, "agent", "images");
  const stop = new AbortController();
  stops.push(stop);
  const sync = startImageSync({
    dir,
    stateFile: join(work, name, "image-sync.json"),
    source: { list: (s) => api.listClusterImages(s), download: (d, s) => api.downloadClusterImage(d, s) },
    signal: stop.signal,
    intervalMs: 3_600_000,
  });
  await sync.ready;
  return { sync, dir };
}

const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
let busybox: Uint8Array;
let app: Uint8Array;
let busyboxFile: string;
let appFile: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "k3rs-images-int-"));
  work = mkdtempSync(join(tmpdir(), "k3rs-images-int-agents-"));
  server = await startHttpsTestServer(dataDir, "images-int");
  // Random content keeps the layer incompressible, so the upload spans many chunks.
  busybox = await writeOciArchive({ name: "busybox", aliases: ["k3rs/busybox:test"], arch: "amd64", files: [{ path: "/bin/x", type: "file", data: randomBytes(600_000) }], config: {} });
  app = gzipSync(await writeOciArchive({ name: "registry.example.com/team/app:1.0", arch: "amd64", files: [{ path: "/app", type: "file", data: randomBytes(1000) }], config: {} }));
  busyboxFile = join(work, "busybox.tar");
  appFile = join(work, "app.tar.gz");
  writeFileSync(busyboxFile, busybox);
  writeFileSync(appFile, app);
});

afterAll(async () => {
  for (const s of stops) s.abort();
  await server?.stop();
  for (const d of [dataDir, work]) if (d) rmSync(d, { recursive: true, force: true });
});

describe("k3rs ctl image", () => {
  test("import uploads archives (plain and gzipped) and prints their names and short digests", async () => {
    const r = await ctl(["image", "import", busyboxFile, appFile]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      `imported docker.io/library/busybox:latest, docker.io/k3rs/busybox:test (${sha(busybox).slice(0, 12)})\n` +
        `imported registry.example.com/team/app:1.0 (${sha(app).slice(0, 12)})\n`,
    );
    expect(readFileSync(join(dataDir, "server", "images", `${sha(busybox)}.tar`)).equals(Buffer.from(busybox))).toBe(true);
  });

  test("import of a missing file or an archive naming no image fails clearly, non-zero, the rest still imported", async () => {
    const nameless = join(work, "nameless.tar");
    writeFileSync(nameless, await packTar([{ name: "manifest.json", type: "file", mode: 0o644, data: new TextEncoder().encode(JSON.stringify([{ Config: "c.json", RepoTags: null, Layers: [] }])) }]));
    const r = await ctl(["image", "import", join(work, "nope.tar"), nameless, busyboxFile]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`error: ${join(work, "nope.tar")}: no such file`);
    expect(r.stderr).toContain(`Error from server (BadRequest): ${nameless}: the image archive names no image`);
    expect(r.stdout).toContain("imported docker.io/library/busybox:latest");
  });

  test("ls prints a table (one row per name, NODES from node status) and -o json", async () => {
    const r = await ctl(["image", "ls"]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split("\n").map((l) => l.split(/\s+/));
    expect(lines[0]).toEqual(["IMAGE", "DIGEST", "SIZE", "NODES"]);
    expect(lines.slice(1).map((l) => [l[0], l[1], l[3]])).toEqual([
      ["docker.io/k3rs/busybox:test", sha(busybox).slice(0, 12), "0"],
      ["docker.io/library/busybox:latest", sha(busybox).slice(0, 12), "0"],
      ["registry.example.com/team/app:1.0", sha(app).slice(0, 12), "0"],
    ]);
    const j = JSON.parse((await ctl(["image", "ls", "-o", "json"])).stdout);
    expect(j.items.map((i: any) => [i.digest, i.sizeBytes, i.nodes])).toEqual([[`sha256:${sha(busybox)}`, busybox.length, 0], [`sha256:${sha(app)}`, app.length, 0]]);
  });
});

describe("k3rs ctl image export", () => {
  test("writes the archive as imported, found by name (short or full) or by digest; an unknown one fails", async () => {
    for (const [given, bytes] of [["registry.example.com/team/app:1.0", app], ["busybox", busybox], [sha(app).slice(0, 12), app]] as const) {
      const out = join(work, `export-${given.replaceAll("/", "_")}.tar`);
      const r = await ctl(["image", "export", given, "-o", out, "--progress=none"]);
      expect(r).toMatchObject({ code: 0, stderr: "" });
      expect(r.stdout).toBe(`exported ${given === "busybox" ? "docker.io/library/busybox:latest, docker.io/k3rs/busybox:test" : "registry.example.com/team/app:1.0"} (${sha(bytes).slice(0, 12)}) to ${out}\n`);
      expect(sha(readFileSync(out))).toBe(sha(bytes));
    }
    const missing = await ctl(["image", "export", "nope:1", "-o", join(work, "nope.tar")]);
    expect(missing).toEqual({ code: 1, stdout: "", stderr: "error: no image named nope:1 in the cluster image store (see `k3rs ctl image ls`)\n" });
    expect(existsSync(join(work, "nope.tar"))).toBe(false);
    expect((await ctl(["image", "export", "busybox", "-o", join(work, "x.tar"), "--progress=fancy"])).stderr).toContain("want auto, tty, plain or none");
  });
});

describe("the API", () => {
  test("nodes may list and download but not upload or delete; without a certificate nothing", async () => {
    const node = await nodeClient("curious");
    expect((await node.request(IMAGES_PATH)).items).toHaveLength(2);
    const bytes = new Uint8Array(await (await node.raw(`${IMAGES_PATH}/sha256:${sha(app)}`)).arrayBuffer());
    expect(sha(bytes)).toBe(sha(app));
    const up = await node.request(IMAGES_PATH, { method: "POST", body: app }).catch((e) => e);
    expect(up).toMatchObject({ code: 403, reason: "Forbidden" });
    expect(up.message).toBe('forbidden: User "system:node:curious" cannot post path "/v1-k3rs/images"');
    expect(await node.request(`${IMAGES_PATH}/sha256:${sha(app)}`, { method: "DELETE" }).catch((e) => e.code)).toBe(403);
    const anon = await fetch(`https://127.0.0.1:${server.port}${IMAGES_PATH}`, { tls: { rejectUnauthorized: false } } as any);
    expect(anon.status).toBe(401);
    expect(((await anon.json()) as { kind?: string }).kind).toBe("Status");
  });

  test("errors are Status bodies: unknown digest 404, malformed 400, not a tar 400", async () => {
    const admin = new RestClient(loadKubeconfig(server.kubeconfigPath));
    expect(await admin.request(`${IMAGES_PATH}/sha256:${"0".repeat(64)}`).catch((e) => [e.code, e.reason])).toEqual([404, "NotFound"]);
    expect(await admin.request(`${IMAGES_PATH}/xyz`).catch((e) => [e.code, e.message])).toEqual([400, expect.stringContaining("invalid image digest")]);
    const junk = await admin.request(IMAGES_PATH, { method: "POST", body: new TextEncoder().encode("no tar here ".repeat(100)) }).catch((e) => e);
    expect(junk).toMatchObject({ code: 400 });
    expect(junk.message).toContain("not a tar archive");
    // The connection that carried a refused upload still serves.
    expect((await admin.request(IMAGES_PATH)).items).toHaveLength(2);
  });
});

describe("image sync", () => {
  test("two agents download every image into their images dir; one that joins later gets them too", async () => {
    const a = await agentSync("node-a");
    const b = await agentSync("node-b");
    const want = [archiveFileName(`sha256:${sha(busybox)}`), archiveFileName(`sha256:${sha(app)}`)].sort();
    for (const n of [a, b]) {
      expect(readdirSync(n.dir).sort()).toEqual(want);
      expect(readFileSync(join(n.dir, archiveFileName(`sha256:${sha(app)}`))).equals(Buffer.from(app))).toBe(true);
    }

    // A new image reaches the running agents on their next round…
    const extra = await writeOciArchive({ name: "k3rs/late:1", arch: "amd64", files: [{ path: "/l", type: "file", data: randomBytes(10) }], config: {} });
    const extraFile = join(work, "late.tar");
    writeFileSync(extraFile, extra);
    expect((await ctl(["image", "import", extraFile])).code).toBe(0);
    await a.sync.sync();
    expect(existsSync(join(a.dir, archiveFileName(`sha256:${sha(extra)}`)))).toBe(true);

    // …and a node that joins now finds all three at its first round.
    const late = await agentSync("node-late");
    expect(readdirSync(late.dir)).toHaveLength(3);
  });

  test("rm removes an image from the store (short digest); agents keep what they have and fetch nothing", async () => {
    const r = await ctl(["image", "rm", sha(app).slice(0, 12)]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`deleted registry.example.com/team/app:1.0 (${sha(app).slice(0, 12)})\n`);
    expect(existsSync(join(dataDir, "server", "images", `${sha(app)}.tar`))).toBe(false);
    const again = await ctl(["image", "rm", `sha256:${sha(app)}`]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("(NotFound)");
    const list = JSON.parse((await ctl(["image", "ls", "-o", "json"])).stdout).items;
    expect(list.map((i: any) => i.digest)).not.toContain(`sha256:${sha(app)}`);
  });
});
