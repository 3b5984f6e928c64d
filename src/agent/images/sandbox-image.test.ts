import { expect, test } from "bun:test";
import { sha256 } from "./oci-archive.ts";
import { hostImageArch, sandboxImageArchive } from "./sandbox-image.ts";

test("the sandbox archive is reproducible per arch", async () => {
  const [a, b, c] = await Promise.all([sandboxImageArchive("amd64"), sandboxImageArchive("amd64"), sandboxImageArchive("arm64")]);
  expect(sha256(a)).toBe(sha256(b));
  expect(sha256(a)).not.toBe(sha256(c));
  const index = new TextDecoder().decode(a);
  expect(index).toContain('"io.containerd.image.name":"docker.io/k3rs/pause:3.9"');
});

test.each([
  ["x64", "amd64"],
  ["arm64", "arm64"],
  ["ia32", undefined],
])("hostImageArch(%s) = %s", (node, image) => {
  expect(hostImageArch(node)).toBe(image as never);
});
