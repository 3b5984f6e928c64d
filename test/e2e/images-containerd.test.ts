/**
 * Images without a registry, for real: a throwaway containerd (its own root, state and
 * sockets under a temp dir, CRI plugin off) imports the sandbox and busybox archives k3rs
 * builds, and runc runs them — busybox prints, pause blocks until SIGKILL. Root only.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { ImageImportError, importImageArchive } from "../../src/agent/images/import.ts";
import { watchImageDir } from "../../src/agent/images/image-dir-watcher.ts";
import { writeOciArchive } from "../../src/agent/images/oci-archive.ts";
import { SANDBOX_IMAGE } from "../../src/agent/images/sandbox-image.ts";
import { BUSYBOX_IMAGE, BUSYBOX_TEST_IMAGE, ensureTestImages, type TestImages } from "../helpers/test-images.ts";

const CONTAINERD = "/usr/bin/containerd";
const CTR = "/usr/bin/ctr";
const CAN_RUN = process.getuid?.() === 0 && existsSync(CONTAINERD) && existsSync(CTR) && existsSync("/usr/sbin/runc");

describe.skipIf(!CAN_RUN)("image archives in a real containerd", () => {
  const dir = mkdtempSync(join(tmpdir(), "k3rs-img-e2e-"));
  const address = join(dir, "containerd.sock");
  // Container ids are global to the runc root and cgroup tree: keep them ours.
  const id = (n: string) => `k3rs-img-${process.pid}-${n}`;
  let containerd: Bun.Subprocess | undefined;
  let images: TestImages;

  async function ctr(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    const p = Bun.spawn([CTR, "--address", address, "--namespace", "k8s.io", ...args], { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
    const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
    return { code, stdout, stderr };
  }

  /** Polls until fn() holds; the limit only guards against a hang. */
  async function until(fn: () => Promise<boolean>, what: string): Promise<void> {
    for (let i = 0; i < 600; i++) {
      if (await fn()) return;
      await Bun.sleep(50);
    }
    throw new Error(`timed out waiting for ${what}`);
  }

  /** ctr's options that keep runc's state and the IO fifos under our dir. */
  const runOpts = () => ["--runc-root", join(dir, "runc"), "--fifo-dir", join(dir, "fifo")];

  beforeAll(async () => {
    images = await ensureTestImages();
    writeFileSync(
      join(dir, "config.toml"),
      [
        "version = 2",
        `root = "${dir}/root"`,
        `state = "${dir}/state"`,
        // The CRI plugin would want CNI and a streaming port; ctr needs neither.
        `disabled_plugins = ["io.containerd.grpc.v1.cri"]`,
        "[grpc]",
        `  address = "${address}"`,
        "[ttrpc]",
        `  address = "${address}.ttrpc"`,
        // Otherwise containerd creates /opt/containerd on the host.
        `[plugins."io.containerd.internal.v1.opt"]`,
        `  path = "${dir}/opt"`,
        "",
      ].join("\n"),
    );
    const log = Bun.file(join(dir, "containerd.log"));
    containerd = Bun.spawn([CONTAINERD, "--config", join(dir, "config.toml")], { stdin: "ignore", stdout: log, stderr: log });
    await until(async () => {
      if (containerd!.exitCode !== null) throw new Error(`containerd exited: ${readFileSync(join(dir, "containerd.log"), "utf8")}`);
      return (await ctr("version")).code === 0;
    }, "containerd to answer");
  });

  afterAll(async () => {
    if (containerd && containerd.exitCode === null) {
      // Whatever a failed test left: tasks (and with them their shims) and containers.
      for (const n of ["t1", "p1"]) {
        await ctr("task", "kill", "-s", "SIGKILL", id(n));
        await ctr("task", "rm", "-f", id(n));
        await ctr("container", "rm", id(n));
      }
      containerd.kill("SIGTERM");
      const exited = await Promise.race([containerd.exited.then(() => true), Bun.sleep(10_000).then(() => false)]);
      if (!exited) containerd.kill("SIGKILL");
      await containerd.exited;
    }
    unmountUnder(dir);
    rmSync(dir, { recursive: true, force: true });
  });

  test("both archives import under their full names", async () => {
    expect(await importImageArchive({ address, archive: images.pause })).toEqual([SANDBOX_IMAGE]);
    expect(await importImageArchive({ address, archive: images.busybox })).toEqual([BUSYBOX_IMAGE, BUSYBOX_TEST_IMAGE]);
    const ls = await ctr("images", "ls", "-q");
    expect(ls.stdout.split("\n")).toEqual(expect.arrayContaining([SANDBOX_IMAGE, BUSYBOX_IMAGE, BUSYBOX_TEST_IMAGE]));
  });

  test("a gzipped archive imports too (ctr itself reads only plain tar)", async () => {
    const gz = join(dir, "pause.tar.gz");
    writeFileSync(gz, gzipSync(readFileSync(images.pause)));
    expect(await importImageArchive({ address, archive: gz })).toEqual([SANDBOX_IMAGE]);
  });

  test("failures say why: ctr's stderr, or an archive naming no image", async () => {
    const junk = join(dir, "junk.tar");
    writeFileSync(junk, "not a tar\n".repeat(200)); // past one 512-byte header block
    const e1 = await importImageArchive({ address, archive: junk }).catch((e) => e);
    expect(e1).toBeInstanceOf(ImageImportError);
    expect(e1.message).toContain("invalid tar header");
    expect(e1.stderr).toContain("ctr: ");

    // An OCI layout whose index entry lacks both name annotations.
    const unnamed = Buffer.from(await writeOciArchive({ name: "k3rs/unnamed", arch: "amd64", files: [{ path: "/x", type: "file" }], config: {} }));
    const stripped = join(dir, "unnamed.tar");
    writeFileSync(stripped, stripAnnotations(unnamed));
    const e2 = await importImageArchive({ address, archive: stripped }).catch((e) => e);
    expect(e2).toBeInstanceOf(ImageImportError);
    expect(e2.message).toContain("names no image");
  });

  test("busybox runs under runc: the layer is a usable root filesystem", async () => {
    const r = await ctr("run", "--rm", ...runOpts(), BUSYBOX_IMAGE, id("t1"), "/bin/sh", "-c", "echo hi; test -d /tmp && id -u");
    expect(r).toMatchObject({ code: 0, stdout: "hi\n0\n" });
  });

  test("pause stays running until SIGKILL", async () => {
    const started = await ctr("run", "-d", "--null-io", ...runOpts(), SANDBOX_IMAGE, id("p1"));
    expect(started).toMatchObject({ code: 0 });
    const task = async () => (await ctr("task", "ls")).stdout.split("\n").find((l) => l.startsWith(id("p1") + " "))?.split(/\s+/);
    const running = await task();
    expect(running?.[2]).toBe("RUNNING");
    await Bun.sleep(200);
    // Still the same process, asleep in pause() (S), not exited and not spinning.
    expect((await task())?.slice(1)).toEqual([running![1], "RUNNING"]);
    const stat = readFileSync(`/proc/${running![1]}/stat`, "utf8");
    expect(stat.slice(stat.lastIndexOf(")") + 2)[0]).toBe("S");

    expect((await ctr("task", "kill", "-s", "SIGKILL", id("p1"))).code).toBe(0);
    await until(async () => (await task())?.[2] === "STOPPED", "the pause task to stop");
    expect((await ctr("task", "rm", id("p1"))).code).toBe(0);
    expect((await ctr("container", "rm", id("p1"))).code).toBe(0);
  });

  test("watchImageDir imports what is in the images dir", async () => {
    const imagesDir = join(dir, "agent", "images");
    mkdirSync(imagesDir, { recursive: true });
    copyFileSync(images.pause, join(imagesDir, "pause.tar"));
    const imported: string[] = [];
    const w = watchImageDir({
      dir: imagesDir,
      settleMs: 0,
      onArchive: async (archive) => imported.push(...(await importImageArchive({ address, archive }))),
    });
    try {
      await w.ready;
      expect(imported).toEqual([SANDBOX_IMAGE]);
      copyFileSync(images.busybox, join(imagesDir, "busybox.tar"));
      await until(async () => imported.length === 3, "busybox.tar to be imported");
      expect(imported.slice(1)).toEqual([BUSYBOX_IMAGE, BUSYBOX_TEST_IMAGE]);
    } finally {
      w.close();
    }
  });
});

/** Rewrites index.json inside a (ustar, 512-byte block) OCI archive without annotations. */
function stripAnnotations(tar: Buffer): Buffer {
  const out: Buffer[] = [];
  for (let off = 0; off + 512 <= tar.length; ) {
    const header = Buffer.from(tar.subarray(off, off + 512));
    const name = header.subarray(0, 100).toString("utf8").replace(/\0.*$/s, "");
    const size = parseInt(header.subarray(124, 136).toString("utf8").replace(/\0.*$/s, "").trim() || "0", 8);
    let body = tar.subarray(off + 512, off + 512 + size);
    off += 512 + Math.ceil(size / 512) * 512;
    if (name === "index.json") {
      const index = JSON.parse(body.toString("utf8"));
      for (const m of index.manifests) delete m.annotations;
      body = Buffer.from(JSON.stringify(index));
      header.write(body.length.toString(8).padStart(11, "0") + "\0", 124, "utf8");
      header.fill(" ", 148, 156);
      const sum = header.reduce((a, b) => a + b, 0);
      header.write(sum.toString(8).padStart(6, "0") + "\0 ", 148, "utf8");
    }
    out.push(header, body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  return Buffer.concat(out);
}

/** Unmounts whatever is still mounted under `dir` (deepest first), so it can be removed. */
function unmountUnder(dir: string): void {
  const points = readFileSync("/proc/self/mountinfo", "utf8")
    .split("\n")
    .map((l) => l.split(" ")[4])
    .filter((p): p is string => !!p && (p === dir || p.startsWith(dir + "/")))
    .sort((a, b) => b.length - a.length);
  for (const p of points) Bun.spawnSync(["umount", "-l", p]);
}
