import { describe, expect, test } from "bun:test";
import { gunzipSync } from "node:zlib";
import { extract, type Header } from "tar-stream";
import { layerEntries } from "./layer.ts";
import { MEDIA_TYPES, sha256, writeOciArchive, type OciArchiveOptions } from "./oci-archive.ts";

interface Read {
  header: Header;
  data: Uint8Array;
}

async function readTar(bytes: Uint8Array): Promise<Map<string, Read>> {
  const out = new Map<string, Read>();
  const ex = extract();
  const done = (async () => {
    for await (const entry of ex) {
      const chunks: Uint8Array[] = [];
      for await (const c of entry) chunks.push(c as Uint8Array);
      out.set(entry.header.name, { header: entry.header, data: Buffer.concat(chunks) });
    }
  })();
  ex.end(Buffer.from(bytes));
  await done;
  return out;
}

const text = (b: Uint8Array) => new TextDecoder().decode(b);
const blob = (tar: Map<string, Read>, digest: string) => tar.get(`blobs/sha256/${digest.slice(7)}`)!.data;

const sample: OciArchiveOptions = {
  name: "busybox",
  arch: "amd64",
  files: [
    { path: "/bin/busybox", type: "file", mode: 0o755, data: new TextEncoder().encode("#!fake\n") },
    { path: "/bin/sh", type: "symlink", target: "busybox" },
    { path: "/tmp", type: "dir", mode: 0o1777 },
    { path: "/etc/passwd", type: "file", data: new TextEncoder().encode("root:x:0:0:root:/root:/bin/sh\n") },
  ],
  config: { Cmd: ["sh"], Env: ["PATH=/bin"], WorkingDir: "/", ExposedPorts: { "80/tcp": {} } },
};

describe("writeOciArchive", () => {
  test("layout, index, manifest, config and layer fit together", async () => {
    const tar = await readTar(await writeOciArchive(sample));
    expect(JSON.parse(text(tar.get("oci-layout")!.data))).toEqual({ imageLayoutVersion: "1.0.0" });

    const index = JSON.parse(text(tar.get("index.json")!.data));
    expect(index.mediaType).toBe(MEDIA_TYPES.index);
    expect(index.manifests).toHaveLength(1);
    const desc = index.manifests[0];
    expect(desc.annotations).toEqual({
      "io.containerd.image.name": "docker.io/library/busybox:latest",
      "org.opencontainers.image.ref.name": "docker.io/library/busybox:latest",
    });
    expect(desc.platform).toEqual({ architecture: "amd64", os: "linux" });

    const manifestBytes = blob(tar, desc.digest);
    expect(sha256(manifestBytes)).toBe(desc.digest);
    expect(manifestBytes.length).toBe(desc.size);
    const manifest = JSON.parse(text(manifestBytes));
    expect(manifest.schemaVersion).toBe(2);
    expect(manifest.config.mediaType).toBe(MEDIA_TYPES.config);
    expect(manifest.layers[0].mediaType).toBe(MEDIA_TYPES.layerGzip);

    const config = JSON.parse(text(blob(tar, manifest.config.digest)));
    expect(config).toMatchObject({
      architecture: "amd64",
      os: "linux",
      config: { Cmd: ["sh"], Env: ["PATH=/bin"], WorkingDir: "/", ExposedPorts: { "80/tcp": {} } },
      rootfs: { type: "layers" },
    });
    expect(config.history).toHaveLength(1);

    const layerGz = blob(tar, manifest.layers[0].digest);
    expect(sha256(layerGz)).toBe(manifest.layers[0].digest);
    const layer = gunzipSync(layerGz);
    expect(config.rootfs.diff_ids).toEqual([sha256(layer)]);

    const files = await readTar(layer);
    expect([...files.keys()]).toEqual(["bin/", "bin/busybox", "bin/sh", "etc/", "etc/passwd", "tmp/"]);
    const h = (n: string) => files.get(n)!.header;
    expect(h("bin/busybox")).toMatchObject({ type: "file", mode: 0o755, uid: 0, gid: 0 });
    expect(text(files.get("bin/busybox")!.data)).toBe("#!fake\n");
    expect(h("bin/sh")).toMatchObject({ type: "symlink", linkname: "busybox" });
    expect(h("tmp/")).toMatchObject({ type: "directory", mode: 0o1777 });
    expect(h("etc/")).toMatchObject({ type: "directory", mode: 0o755 });
    expect(h("etc/passwd").mode).toBe(0o644);
    for (const { header } of files.values()) expect(header.mtime!.getTime()).toBe(0);
  });

  test("reproducible, whatever the input order", async () => {
    const a = await writeOciArchive(sample);
    const b = await writeOciArchive({ ...sample, files: [...sample.files].reverse() });
    expect(sha256(a)).toBe(sha256(b));
  });

  test("a different arch or config changes the manifest digest", async () => {
    const digestOf = async (o: OciArchiveOptions) =>
      JSON.parse(text((await readTar(await writeOciArchive(o))).get("index.json")!.data)).manifests[0].digest;
    const base = await digestOf(sample);
    expect(await digestOf({ ...sample, arch: "arm64" })).not.toBe(base);
    expect(await digestOf({ ...sample, config: { Cmd: ["true"] } })).not.toBe(base);
  });

  test("uncompressed layers: the layer digest is the diff id", async () => {
    const tar = await readTar(await writeOciArchive({ ...sample, compression: "none" }));
    const index = JSON.parse(text(tar.get("index.json")!.data));
    const manifest = JSON.parse(text(blob(tar, index.manifests[0].digest)));
    const config = JSON.parse(text(blob(tar, manifest.config.digest)));
    expect(manifest.layers[0].mediaType).toBe(MEDIA_TYPES.layerTar);
    expect(config.rootfs.diff_ids).toEqual([manifest.layers[0].digest]);
  });
});

test("aliases: one index entry per name, one manifest", async () => {
  const tar = await readTar(await writeOciArchive({ ...sample, aliases: ["docker.io/k3rs/busybox:test", "busybox:latest"] }));
  const index = JSON.parse(text(tar.get("index.json")!.data));
  expect(index.manifests.map((m: { annotations: Record<string, string> }) => m.annotations["io.containerd.image.name"])).toEqual([
    "docker.io/library/busybox:latest",
    "docker.io/k3rs/busybox:test",
  ]);
  expect(new Set(index.manifests.map((m: { digest: string }) => m.digest)).size).toBe(1);
});

describe("layerEntries", () => {
  test.each([
    [[{ path: "/", type: "dir" }], /bad layer path/],
    [[{ path: "/a/../b", type: "file" }], /bad layer path/],
    [[{ path: "a", type: "file" }, { path: "/a/", type: "dir" }], /duplicate/],
    [[{ path: "a", type: "file" }, { path: "a/b", type: "file" }], /not a directory/],
    [[{ path: "l", type: "symlink" }], /no target/],
  ] as const)("refuses %j", (files, message) => {
    expect(() => layerEntries(files as never)).toThrow(message);
  });
});
