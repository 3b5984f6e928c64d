/**
 * Images for tests, built from this machine's files (Debian's `busybox-static`) — nothing
 * is pulled. `ensureTestImages()` writes OCI archives under test/images/ (git-ignored) and
 * rebuilds them only when an input is newer than the output, so every e2e file can call it
 * from `beforeAll` cheaply. `bun scripts/build-test-images.ts` does the same from the shell.
 *
 * @example
 *   const { busybox, pause } = await ensureTestImages();
 *   await importImageArchive({ address, archive: busybox });
 */
import { existsSync, mkdirSync, renameSync, statSync } from "node:fs";
import { join } from "node:path";
import { writeOciArchive, type LayerEntry } from "../../src/agent/images/oci-archive.ts";
import { hostImageArch, sandboxImageArchive } from "../../src/agent/images/sandbox-image.ts";
import type { ImageArch } from "../../src/agent/images/types.ts";

/** The name `image: busybox` in a manifest normalizes to, so tests can say just that. */
export const BUSYBOX_IMAGE = "docker.io/library/busybox:latest";
/** A second name for the same image that says it is k3rs's own test build. */
export const BUSYBOX_TEST_IMAGE = "docker.io/k3rs/busybox:test";

const ROOT = join(import.meta.dir, "../..");
export const TEST_IMAGES_DIR = join(ROOT, "test/images");
const DEFAULT_BUSYBOX = "/bin/busybox";

/** Files whose change makes the archives stale (besides the busybox binary). */
const SOURCES = [
  "test/helpers/test-images.ts",
  "scripts/build-test-images.ts",
  "src/agent/images/oci-archive.ts",
  "src/agent/images/layer.ts",
  "src/agent/images/tar.ts",
  "src/agent/images/pause-binary.ts",
  "src/agent/images/sandbox-image.ts",
].map((p) => join(ROOT, p));

const PATH_ENV = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

export interface TestImages {
  /** OCI archive of {@link BUSYBOX_IMAGE} (also named {@link BUSYBOX_TEST_IMAGE}). */
  busybox: string;
  /** OCI archive of the sandbox image, SANDBOX_IMAGE. */
  pause: string;
}

export interface EnsureTestImagesOptions {
  dir?: string;
  /** A static busybox; default /bin/busybox. */
  busybox?: string;
  /** Rebuild even when up to date. */
  force?: boolean;
}

/** Builds the test image archives when missing or stale; returns their paths. */
export async function ensureTestImages(o: EnsureTestImagesOptions = {}): Promise<TestImages> {
  const dir = o.dir ?? TEST_IMAGES_DIR;
  const busyboxBin = o.busybox ?? DEFAULT_BUSYBOX;
  const arch = hostImageArch();
  if (!arch) throw new Error(`test images: no image arch for ${process.arch}`);
  if (!existsSync(busyboxBin)) throw new Error(`test images: ${busyboxBin} is missing (apt-get install busybox-static)`);
  mkdirSync(dir, { recursive: true });

  const out: TestImages = { busybox: join(dir, "busybox.tar"), pause: join(dir, "pause.tar") };
  const inputs = [busyboxBin, ...SOURCES.filter(existsSync)];
  if (o.force || stale(out.busybox, inputs)) {
    await writeAtomically(out.busybox, await busyboxImageArchive({ busybox: busyboxBin, arch }));
  }
  if (o.force || stale(out.pause, inputs.slice(1))) {
    await writeAtomically(out.pause, await sandboxImageArchive(arch));
  }
  return out;
}

/**
 * A busybox image: the static binary at /bin/busybox with a symlink in /bin for each applet
 * it lists, /usr/bin/env for `#!/usr/bin/env` scripts, root and nobody in /etc/passwd and
 * /etc/group, /tmp (1777), /root, /var/www (with an index.html for `httpd -h /var/www`), and
 * empty /proc, /sys and /dev for the runtime to mount over. Cmd ["sh"], like Docker Hub's.
 */
export async function busyboxImageArchive(o: { busybox?: string; arch: ImageArch }): Promise<Uint8Array> {
  const bin = o.busybox ?? DEFAULT_BUSYBOX;
  const listed = Bun.spawnSync([bin, "--list"], { stdout: "pipe", stderr: "pipe" });
  if (listed.exitCode !== 0) throw new Error(`test images: ${bin} --list failed: ${listed.stderr.toString().trim()}`);
  const applets = listed.stdout
    .toString()
    .split("\n")
    .map((a) => a.trim())
    .filter((a) => a !== "" && a !== "busybox" && !a.includes("/"));

  const text = (s: string) => new TextEncoder().encode(s);
  const files: LayerEntry[] = [
    { path: "/bin/busybox", type: "file", mode: 0o755, data: new Uint8Array(await Bun.file(bin).arrayBuffer()) },
    ...applets.map((a): LayerEntry => ({ path: `/bin/${a}`, type: "symlink", target: "busybox" })),
    { path: "/usr/bin/env", type: "symlink", target: "/bin/busybox" },
    { path: "/etc/passwd", type: "file", data: text("root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n") },
    { path: "/etc/group", type: "file", data: text("root:x:0:\nnobody:x:65534:\n") },
    { path: "/tmp", type: "dir", mode: 0o1777 },
    { path: "/root", type: "dir", mode: 0o700 },
    { path: "/var/www/index.html", type: "file", data: text("k3rs busybox\n") },
    { path: "/proc", type: "dir", mode: 0o555 },
    { path: "/sys", type: "dir", mode: 0o555 },
    { path: "/dev", type: "dir" },
  ];
  return writeOciArchive({
    name: BUSYBOX_IMAGE,
    aliases: [BUSYBOX_TEST_IMAGE],
    arch: o.arch,
    files,
    config: { Env: [PATH_ENV], Cmd: ["sh"] },
    createdBy: "k3rs test image from busybox-static",
  });
}

function stale(output: string, inputs: string[]): boolean {
  if (!existsSync(output)) return true;
  const built = statSync(output).mtimeMs;
  return inputs.some((i) => statSync(i).mtimeMs > built);
}

/** Readers (another test process) never see half an archive. */
async function writeAtomically(path: string, bytes: Uint8Array): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  await Bun.write(tmp, bytes);
  renameSync(tmp, path);
}
