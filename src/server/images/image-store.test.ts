import { afterAll, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHash, randomBytes } from "node:crypto";
import { gzipSync } from "node:zlib";
import { ImageStore } from "./image-store.ts";
import { writeOciArchive } from "../../agent/images/oci-archive.ts";

const root = mkdtempSync(join(tmpdir(), "k3rs-image-store-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshDir = () => join(root, `s${n++}`);
const NOW = new Date("2025-03-01T12:00:00.123Z");

const archive = (name: string, data = "x") =>
  writeOciArchive({ name, arch: "amd64", files: [{ path: "/f", type: "file", data: new TextEncoder().encode(data) }], config: {} });

/** A body in small chunks, as a network upload arrives. */
function chunked(bytes: Uint8Array, size = 4096): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    pull(c) {
      if (at >= bytes.length) return c.close();
      c.enqueue(bytes.slice(at, at + size));
      at += size;
    },
  });
}

const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

test("an upload is stored under its sha256 with its names, listed and found by digest in both forms", async () => {
  const dir = freshDir();
  const store = new ImageStore({ dir, now: () => NOW });
  const tar = await archive("busybox");
  const { image: img, existed } = await store.add(chunked(tar), tar.length);
  expect(existed).toBe(false);
  expect(img).toEqual({ digest: `sha256:${sha(tar)}`, names: ["docker.io/library/busybox:latest"], sizeBytes: tar.length, created: "2025-03-01T12:00:00Z" });
  expect(store.list()).toEqual([img]);
  const got = store.get(img.digest)!;
  expect(Buffer.from(readFileSync(got.path)).equals(Buffer.from(tar))).toBe(true);
  expect(store.get(sha(tar))?.image).toEqual(img);
  expect(readdirSync(dir).sort()).toEqual([`${sha(tar)}.json`, `${sha(tar)}.tar`]);
});

test("gzipped archives are kept as uploaded; the same bytes twice are one image", async () => {
  const store = new ImageStore({ dir: freshDir(), now: () => NOW });
  const gz = gzipSync(await archive("k3rs/app:1"));
  const { image: a } = await store.add(chunked(gz));
  const b = await store.add(chunked(gz));
  expect(b).toEqual({ image: a, existed: true });
  expect(a.names).toEqual(["docker.io/k3rs/app:1"]);
  expect(a.sizeBytes).toBe(gz.length);
  expect(store.list()).toHaveLength(1);
});

test("the list is largest first, and survives a restart; leftover uploads are removed at start", async () => {
  const dir = freshDir();
  const store = new ImageStore({ dir, now: () => NOW });
  const { image: small } = await store.add(chunked(await archive("small")));
  const { image: big } = await store.add(chunked(await archive("big", randomBytes(50_000).toString("hex"))));
  expect(store.list().map((i) => i.digest)).toEqual([big.digest, small.digest]);
  writeFileSync(join(dir, ".upload-deadbeef"), "half");
  const again = new ImageStore({ dir });
  expect(again.list()).toEqual(store.list());
  expect(existsSync(join(dir, ".upload-deadbeef"))).toBe(false);
});

test("remove drops archive and record; a missing digest is NotFound; a malformed one BadRequest", async () => {
  const dir = freshDir();
  const store = new ImageStore({ dir });
  const { image: img } = await store.add(chunked(await archive("gone")));
  expect(await store.remove(img.digest)).toEqual(img);
  expect(readdirSync(dir)).toEqual([]);
  expect(store.get(img.digest)).toBeUndefined();
  expect((await store.remove(img.digest).catch((e) => e)).code).toBe(404);
  expect(() => store.get("sha256:xyz")).toThrow(/invalid image digest/);
});

test("uploads past the limit are 413: at once by Content-Length, or while streaming; nothing is left behind", async () => {
  const dir = freshDir();
  const store = new ImageStore({ dir, uploadLimit: () => 10_000 });
  const tar = await archive("big", randomBytes(100_000).toString("hex"));
  const declared = await store.add(chunked(tar), tar.length).catch((e) => e);
  expect(declared).toMatchObject({ code: 413, reason: "RequestEntityTooLarge" });
  expect(declared.message).toMatch(/can take 10000 bytes/);
  const streamed = await store.add(chunked(tar)).catch((e) => e);
  expect(streamed.code).toBe(413);
  expect(readdirSync(dir)).toEqual([]);
});

test("an archive naming no image, an empty body and a non-tar are 400 and not stored", async () => {
  const dir = freshDir();
  const store = new ImageStore({ dir });
  const text = new TextEncoder().encode("hello, not a tarball ".repeat(100));
  for (const body of [new Uint8Array(0), text]) {
    const e = await store.add(chunked(body)).catch((x) => x);
    expect(e.code).toBe(400);
  }
  expect((await store.add(null).catch((e) => e)).code).toBe(400);
  expect(readdirSync(dir)).toEqual([]);
});
