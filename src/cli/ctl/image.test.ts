import { expect, test } from "bun:test";
import { imageRows, resolveDigest } from "./image.ts";
import { humanSize } from "./printers/human-size.ts";
import type { ClusterImage } from "../../model/cluster-image.ts";

const A = `sha256:${"a".repeat(64)}`;
const B = `sha256:ab${"b".repeat(62)}`;
const img = (digest: string, names: string[], sizeBytes = 1000): ClusterImage => ({ digest, names, sizeBytes, created: "2025-01-01T00:00:00Z" });
const node = (...names: string[][]) => ({ apiVersion: "v1", kind: "Node", metadata: { name: "n" }, status: { images: names.map((n) => ({ names: n, sizeBytes: 1 })) } });

test("one row per name, sorted, counting the nodes that report that name", () => {
  const images = [img(A, ["docker.io/library/busybox:latest", "docker.io/k3rs/busybox:test"]), img(B, ["docker.io/library/app:1"])];
  const nodes = [
    node(["docker.io/library/busybox@sha256:x", "docker.io/library/busybox:latest"]),
    node(["docker.io/library/busybox:latest", "docker.io/k3rs/busybox:test"]),
    { apiVersion: "v1", kind: "Node", metadata: { name: "hollow" } },
  ];
  expect(imageRows(images, nodes)).toEqual([
    { image: "docker.io/k3rs/busybox:test", digest: A, sizeBytes: 1000, nodes: 1 },
    { image: "docker.io/library/app:1", digest: B, sizeBytes: 1000, nodes: 0 },
    { image: "docker.io/library/busybox:latest", digest: A, sizeBytes: 1000, nodes: 2 },
  ]);
});

test.each([
  [0, "0B"],
  [999, "999B"],
  [1000, "1kB"],
  [1_234_567, "1.23MB"],
  [4_400_000_000, "4.4GB"],
])("humanSize(%d) = %s", (n, s) => {
  expect(humanSize(n)).toBe(s);
});

test("digests resolve in full, bare or by a unique prefix", () => {
  const known = [img(A, ["a"]), img(B, ["b"])];
  expect(resolveDigest(A, known)).toBe(A);
  expect(resolveDigest("a".repeat(64), [])).toBe(A);
  expect(resolveDigest("abbb", known)).toBe(B);
  expect(() => resolveDigest("ab", known)).toThrow(/invalid image digest/);
  expect(() => resolveDigest("aaaa", [img(A, ["a"]), img(`sha256:aaaa${"0".repeat(60)}`, ["c"])])).toThrow(/ambiguous/);
  expect(() => resolveDigest("cccc", known)).toThrow(/no image/);
  expect(() => resolveDigest("not-hex", known)).toThrow(/invalid image digest/);
});
