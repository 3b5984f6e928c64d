/**
 * node.status.images as the kubelet reports it (pkg/kubelet/nodestatus Images): the
 * runtime's images, largest first, at most 50 (nodeStatusMaxImages), each named by its
 * repo digests then its repo tags, at most 5 names (MaxNamesPerImageInNodeStatus). The
 * scheduler's ImageLocality and `k3rs ctl image ls` read it.
 */
import type { RuntimeImage } from "../runtime/types.ts";

export const MAX_NODE_STATUS_IMAGES = 50;
export const MAX_NAMES_PER_IMAGE = 5;

export interface ContainerImage {
  names: string[];
  sizeBytes: number;
}

/** @example nodeImages([{ id: "sha256:…", repoTags: ["docker.io/library/busybox:latest"], repoDigests: [], sizeBytes: 1e6 }]) */
export function nodeImages(images: RuntimeImage[], max = MAX_NODE_STATUS_IMAGES): ContainerImage[] {
  return [...images]
    .sort((a, b) => b.sizeBytes - a.sizeBytes || a.id.localeCompare(b.id))
    .slice(0, max)
    .map((i) => ({ names: [...i.repoDigests, ...i.repoTags].slice(0, MAX_NAMES_PER_IMAGE), sizeBytes: i.sizeBytes }));
}
