import { expect, test } from "bun:test";
import { MAX_NAMES_PER_IMAGE, MAX_NODE_STATUS_IMAGES, nodeImages } from "./node-images.ts";
import type { RuntimeImage } from "../runtime/types.ts";

const image = (i: number, sizeBytes: number, names = 1): RuntimeImage => ({
  id: `sha256:${String(i).padStart(64, "0")}`,
  repoTags: Array.from({ length: names }, (_, k) => `docker.io/library/img${i}:${k}`),
  repoDigests: [`docker.io/library/img${i}@sha256:${"d".repeat(64)}`],
  sizeBytes,
});

test("largest first, digests then tags, as the kubelet names them", () => {
  expect(nodeImages([image(1, 10), image(2, 30), image(3, 20)])).toEqual([
    { names: [`docker.io/library/img2@sha256:${"d".repeat(64)}`, "docker.io/library/img2:0"], sizeBytes: 30 },
    { names: [`docker.io/library/img3@sha256:${"d".repeat(64)}`, "docker.io/library/img3:0"], sizeBytes: 20 },
    { names: [`docker.io/library/img1@sha256:${"d".repeat(64)}`, "docker.io/library/img1:0"], sizeBytes: 10 },
  ]);
});

test("at most 50 images (the largest) and 5 names each", () => {
  const many = Array.from({ length: 80 }, (_, i) => image(i, i * 100, 9));
  const out = nodeImages(many);
  expect(out).toHaveLength(MAX_NODE_STATUS_IMAGES);
  expect(out[0]!.sizeBytes).toBe(7900);
  expect(out.at(-1)!.sizeBytes).toBe(3000);
  expect(out.every((i) => i.names.length === MAX_NAMES_PER_IMAGE)).toBe(true);
});

test("no images, no entries", () => {
  expect(nodeImages([])).toEqual([]);
});
