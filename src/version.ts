/**
 * Version of this build. `build.ts` defines K3RS_BUILD_* at compile time; running from source
 * falls back to package.json and "dev".
 */
import pkg from "../package.json" with { type: "json" };

declare const K3RS_BUILD_VERSION: string | undefined;
declare const K3RS_BUILD_COMMIT: string | undefined;
declare const K3RS_BUILD_DATE: string | undefined;

export const version: string = typeof K3RS_BUILD_VERSION === "string" ? K3RS_BUILD_VERSION : pkg.version;
export const gitCommit: string = typeof K3RS_BUILD_COMMIT === "string" ? K3RS_BUILD_COMMIT : "dev";
export const buildDate: string = typeof K3RS_BUILD_DATE === "string" ? K3RS_BUILD_DATE : new Date(0).toISOString();

/** The Kubernetes API level k3rs serves; kubectl compares it for version skew. */
export const KUBERNETES_MINOR = "32";

export function kubernetesVersion() {
  return {
    major: "1",
    minor: KUBERNETES_MINOR,
    gitVersion: `v1.${KUBERNETES_MINOR}.0+k3rs-${version}`,
    gitCommit,
    gitTreeState: "clean",
    buildDate: buildDate.replace(/\.\d{3}Z$/, "Z"),
    goVersion: `bun${Bun.version}`,
    compiler: "bun",
    platform: `${process.platform}/${process.arch === "x64" ? "amd64" : process.arch}`,
  };
}
