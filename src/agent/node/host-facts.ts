/** What the host says about itself, for the Node a real agent registers. */
import { cpus, totalmem, release, arch as osArch, hostname } from "node:os";
import { readFileSync, statfsSync } from "node:fs";

export interface HostFacts {
  hostname: string;
  cpu: string;
  memoryKi: number;
  ephemeralStorageKi?: number;
  kernelVersion: string;
  osImage: string;
  machineID: string;
  bootID: string;
  arch: string;
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8").trim();
  } catch {
    return undefined;
  }
}

/** Node's arch names → Go's GOARCH, which is what Kubernetes labels carry. */
const GOARCH: Record<string, string> = { x64: "amd64", arm64: "arm64", arm: "arm", ia32: "386", ppc64: "ppc64le", s390x: "s390x" };

export function hostFacts(dataDir: string): HostFacts {
  const osRelease = readText("/etc/os-release") ?? "";
  const pretty = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(osRelease)?.[1] ?? "Linux";
  let ephemeralStorageKi: number | undefined;
  try {
    const s = statfsSync(dataDir);
    ephemeralStorageKi = Math.floor((s.blocks * s.bsize) / 1024);
  } catch {}
  return {
    hostname: hostname().toLowerCase(),
    cpu: String(cpus().length),
    memoryKi: Math.floor(totalmem() / 1024),
    ephemeralStorageKi,
    kernelVersion: release(),
    osImage: pretty,
    machineID: readText("/etc/machine-id") ?? "",
    bootID: readText("/proc/sys/kernel/random/boot_id") ?? "",
    arch: GOARCH[osArch()] ?? osArch(),
  };
}
