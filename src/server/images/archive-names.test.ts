import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { imageNamesFrom, readArchiveNames } from "./archive-names.ts";
import { writeOciArchive } from "../../agent/images/oci-archive.ts";
import { packTar } from "../../agent/images/tar.ts";

const dir = mkdtempSync(join(tmpdir(), "k3rs-archive-names-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function file(bytes: Uint8Array): string {
  const p = join(dir, `a${n++}.tar`);
  writeFileSync(p, bytes);
  return p;
}

const text = (s: string) => new TextEncoder().encode(s);
const dockerArchive = (manifest: unknown) =>
  packTar([
    { name: "manifest.json", type: "file", mode: 0o644, data: text(JSON.stringify(manifest)) },
    { name: "abc/layer.tar", type: "file", mode: 0o644, data: new Uint8Array(1024) },
  ]);

test.each([
  ["containerd name wins over ref.name", { index: { manifests: [{ annotations: { "io.containerd.image.name": "busybox", "org.opencontainers.image.ref.name": "other/x:1" } }] } }, ["docker.io/library/busybox:latest"]],
  ["a full ref.name serves", { index: { manifests: [{ annotations: { "org.opencontainers.image.ref.name": "ghcr.io/a/b:2" } }] } }, ["ghcr.io/a/b:2"]],
  ["a bare tag ref.name is no name", { index: { manifests: [{ annotations: { "org.opencontainers.image.ref.name": "2.0" } }] } }, []],
  ["docker RepoTags", { manifest: [{ RepoTags: ["busybox:1.36", "k3rs/app:v1"] }, { RepoTags: null }] }, ["docker.io/library/busybox:1.36", "docker.io/k3rs/app:v1"]],
  ["both files: the union, once each", { index: { manifests: [{ annotations: { "io.containerd.image.name": "docker.io/library/busybox:latest" } }] }, manifest: [{ RepoTags: ["busybox"] }, { RepoTags: ["b:1"] }] }, ["docker.io/library/busybox:latest", "docker.io/library/b:1"]],
  ["junk shapes name nothing", { index: { manifests: "x" }, manifest: { RepoTags: ["a"] } }, []],
])("%s", (_what, meta, want) => {
  expect(imageNamesFrom(meta as any)).toEqual(want);
});

test("an invalid name is a 400 that quotes it", () => {
  expect(() => imageNamesFrom({ manifest: [{ RepoTags: ["Upper/Case"] }] })).toThrow(/invalid image.*Upper\/Case/);
});

test("an OCI archive built by k3rs, plain and gzipped", async () => {
  const tar = await writeOciArchive({ name: "busybox", aliases: ["k3rs/busybox:test"], arch: "amd64", files: [{ path: "/x", type: "file", data: text("x") }], config: {} });
  const want = ["docker.io/library/busybox:latest", "docker.io/k3rs/busybox:test"];
  expect(await readArchiveNames(file(tar))).toEqual(want);
  expect(await readArchiveNames(file(gzipSync(tar)))).toEqual(want);
});

test("a docker archive", async () => {
  expect(await readArchiveNames(file(await dockerArchive([{ Config: "c.json", RepoTags: ["app:1"], Layers: ["abc/layer.tar"] }])))).toEqual(["docker.io/library/app:1"]);
});

test.each([
  ["no name", () => dockerArchive([{ Config: "c.json", RepoTags: [] }]), /names no image/],
  ["no metadata", () => packTar([{ name: "hello.txt", type: "file", mode: 0o644, data: text("hi") }]), /not an image archive/],
  ["bad JSON", () => packTar([{ name: "index.json", type: "file", mode: 0o644, data: text("{") }]), /index.json is not valid JSON/],
  ["not a tar", async () => text("this is not a tar archive at all, just words. ".repeat(20)), /not a tar archive/],
  ["empty tar", async () => new Uint8Array(1024), /empty tar archive|not an image archive/],
  ["gzip of junk", async () => gzipSync(text("junk ".repeat(200))), /not a tar archive/],
])("refused: %s", async (_what, make, why) => {
  const err = await readArchiveNames(file(await make())).catch((e) => e);
  expect(err.code).toBe(400);
  expect(err.message).toMatch(why);
});
