import { expect, test } from "bun:test";
import { normalizeImageRef } from "./image-ref.ts";

test.each([
  ["busybox", "docker.io/library/busybox:latest"],
  ["busybox:1.36", "docker.io/library/busybox:1.36"],
  ["k3rs/pause:3.9", "docker.io/k3rs/pause:3.9"],
  ["docker.io/library/busybox:latest", "docker.io/library/busybox:latest"],
  ["index.docker.io/library/busybox", "docker.io/library/busybox:latest"],
  ["localhost/app", "localhost/app:latest"],
  ["localhost:5000/a/b:v1", "localhost:5000/a/b:v1"],
  ["registry.example.com/team/app", "registry.example.com/team/app:latest"],
  [`busybox@sha256:${"a".repeat(64)}`, `docker.io/library/busybox@sha256:${"a".repeat(64)}`],
  [`busybox:1@sha256:${"b".repeat(64)}`, `docker.io/library/busybox:1@sha256:${"b".repeat(64)}`],
])("%s → %s", (ref, want) => {
  expect(normalizeImageRef(ref)).toBe(want);
});

test.each(["Busybox", "busybox:", "a//b", "busybox@sha256", "-x", ""])("%p is refused", (ref) => {
  expect(() => normalizeImageRef(ref)).toThrow(/invalid image reference/);
});
