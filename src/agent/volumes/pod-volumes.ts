/**
 * A pod's volumes on the node (kubelet volume manager, for the in-tree kinds a single node
 * serves): each volume becomes a host directory under `<podsDir>/<uid>/volumes/`, which the
 * containers' volumeMounts bind. emptyDir (disk, or tmpfs for `medium: Memory`), hostPath with
 * its type checks, and configMap / secret / downwardAPI / projected content written
 * atomically; persistentVolumeClaim volumes resolve to their bound volume's directory
 * (claim-volume.ts). Failures read like the kubelet's FailedMount events.
 */
import { chmodSync, existsSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import type { KubeObject } from "../../model/object.ts";
import { RuntimeError, type Mount } from "../runtime/types.ts";
import { parseQuantity } from "../../model/quantity.ts";
import type { EnvSources, PodFacts } from "../env/container-env.ts";
import { downwardValue } from "../env/container-env.ts";
import { writeAtomically, type PayloadFile } from "./atomic-writer.ts";
import { resolveClaim, type ClaimSources } from "./claim-volume.ts";
import { podDir } from "../pods/pod-files.ts";

export interface VolumeHost {
  /** `<agent data dir>/pods`: one directory per pod uid. */
  podsDir: string;
  sources: EnvSources;
  /** Claims and volumes from the API; without it persistentVolumeClaim volumes fail to mount. */
  claims?: ClaimSources;
  facts: PodFacts;
  /**
   * A hollow node's hostPath volumes name paths on an imagined host: recorded, never checked
   * nor created on the machine that runs it (kubemark's fake host utilities do the same).
   */
  imaginedHostPaths?: boolean;
  /** Mounts a tmpfs (emptyDir medium Memory); `size` in bytes when limited. */
  mountTmpfs(target: string, sizeBytes?: number): Promise<void>;
  unmount(target: string): Promise<void>;
}

export interface PreparedVolume {
  hostPath: string;
  /** Content volumes (configMap, secret, …) are always read-only in containers. */
  readOnly: boolean;
}

function mountFailed(volume: string, message: string): RuntimeError {
  return new RuntimeError("FailedMount", `MountVolume.SetUp failed for volume "${volume}" : ${message}`);
}

const DEFAULT_MODE = 0o644;

function keyFiles(volume: string, data: Record<string, Uint8Array | string>, items: any[] | undefined, defaultMode: number | undefined, kind: string, name: string, optional: boolean): PayloadFile[] {
  const mode = defaultMode ?? DEFAULT_MODE;
  if (!items?.length) return Object.entries(data).map(([key, value]) => ({ path: key, data: value, mode }));
  const out: PayloadFile[] = [];
  for (const item of items) {
    if (!(item.key in data)) {
      if (optional) continue;
      throw mountFailed(volume, `configmap references non-existent config key: ${item.key}`.replace("configmap", kind));
    }
    out.push({ path: item.path, data: data[item.key]!, mode: item.mode ?? mode });
  }
  return out;
}

async function configMapFiles(pod: KubeObject, volume: string, src: any, host: VolumeHost): Promise<PayloadFile[]> {
  const cm = await host.sources.configMap(pod.metadata.namespace!, src.name);
  if (!cm) {
    if (src.optional) return [];
    throw mountFailed(volume, `configmap "${src.name}" not found`);
  }
  const data: Record<string, Uint8Array | string> = { ...(cm.data ?? {}) };
  for (const [k, v] of Object.entries(cm.binaryData ?? {})) data[k] = Buffer.from(String(v), "base64");
  return keyFiles(volume, data, src.items, src.defaultMode, "configmap", src.name, !!src.optional);
}

async function secretFiles(pod: KubeObject, volume: string, src: any, host: VolumeHost): Promise<PayloadFile[]> {
  const name = src.secretName ?? src.name;
  const s = await host.sources.secret(pod.metadata.namespace!, name);
  if (!s) {
    if (src.optional) return [];
    throw mountFailed(volume, `secret "${name}" not found`);
  }
  const data: Record<string, Uint8Array | string> = {};
  for (const [k, v] of Object.entries(s.data ?? {})) data[k] = Buffer.from(String(v), "base64");
  for (const [k, v] of Object.entries(s.stringData ?? {})) data[k] = String(v);
  return keyFiles(volume, data, src.items, src.defaultMode, "secret", name, !!src.optional);
}

/** A projected service-account token, asked of the API for this pod (the kubelet's token manager). */
async function tokenFile(pod: KubeObject, volume: string, src: any, mode: number | undefined, host: VolumeHost): Promise<PayloadFile> {
  if (!host.sources.serviceAccountToken) throw mountFailed(volume, "service account tokens cannot be had on this node");
  let token: string;
  try {
    token = await host.sources.serviceAccountToken(pod, src.audience || undefined, src.expirationSeconds ?? 3600);
  } catch (e) {
    throw mountFailed(volume, `failed to fetch token: ${e instanceof Error ? e.message : String(e)}`);
  }
  // The token is a credential: owner-only unless the volume says otherwise, as the kubelet writes it.
  return { path: src.path, data: token, mode: mode ?? 0o600 };
}

/** downwardAPI items are env-style references, resolved the same way. */
async function downwardFiles(pod: KubeObject, src: any, host: VolumeHost): Promise<PayloadFile[]> {
  const out: PayloadFile[] = [];
  for (const item of src.items ?? []) {
    let value: string;
    if (item.fieldRef?.fieldPath === "metadata.labels" || item.fieldRef?.fieldPath === "metadata.annotations") {
      const map = item.fieldRef.fieldPath === "metadata.labels" ? pod.metadata.labels : pod.metadata.annotations;
      value = Object.entries(map ?? {}).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join("\n");
    } else {
      // A volume item names its container; resolved as that container's env var would be.
      const container = item.resourceFieldRef ? (pod.spec?.containers ?? []).find((c: any) => c.name === item.resourceFieldRef.containerName) ?? {} : {};
      value = downwardValue(pod, container, item, host.facts);
    }
    out.push({ path: item.path, data: value, mode: item.mode ?? src.defaultMode ?? DEFAULT_MODE });
  }
  return out;
}

const HOST_PATH_CHECKS: Record<string, (p: string) => string | undefined> = {
  Directory: (p) => (existsSync(p) && statSync(p).isDirectory() ? undefined : `hostPath type check failed: ${p} is not a directory`),
  File: (p) => (existsSync(p) && statSync(p).isFile() ? undefined : `hostPath type check failed: ${p} is not a file`),
  Socket: (p) => (existsSync(p) && statSync(p).isSocket() ? undefined : `hostPath type check failed: ${p} is not a socket file`),
  CharDevice: (p) => (existsSync(p) && statSync(p).isCharacterDevice() ? undefined : `hostPath type check failed: ${p} is not a character device`),
  BlockDevice: (p) => (existsSync(p) && statSync(p).isBlockDevice() ? undefined : `hostPath type check failed: ${p} is not a block device`),
};

function prepareHostPath(volume: string, src: any, host: VolumeHost, createMode = 0o755): string {
  const p = src.path;
  if (host.imaginedHostPaths) return p;
  const type = src.type ?? "";
  if (type === "DirectoryOrCreate" && !existsSync(p)) {
    mkdirSync(p, { recursive: true });
    chmodSync(p, createMode); // the umask would narrow mkdir's mode
  } else if (type === "FileOrCreate" && !existsSync(p)) writeFileSync(p, "", { mode: 0o644 });
  const check = HOST_PATH_CHECKS[type.replace("OrCreate", "")];
  const problem = check?.(p);
  if (problem) throw mountFailed(volume, problem);
  return p;
}

/**
 * The pod's volumes whose content comes from the ConfigMap or Secret `name` (a configMap or
 * secret volume, or a projected one with it among its sources): those the kubelet writes again
 * when it changes.
 */
export function volumesUsing(pod: KubeObject, kind: "configmaps" | "secrets", name: string): string[] {
  const uses = (s: any) => (kind === "configmaps" ? s?.configMap?.name === name : (s?.secret?.secretName ?? s?.secret?.name) === name);
  return (pod.spec?.volumes ?? []).filter((v: any) => uses(v) || (v.projected?.sources ?? []).some(uses)).map((v: any) => v.name as string);
}

/**
 * The pod's volumes with downward API items from its labels or annotations (whole or one
 * key): those the kubelet writes again when they change. Names, namespaces and resources do not.
 */
export function volumesUsingPodMetadata(pod: KubeObject): string[] {
  const uses = (d: any) => (d?.items ?? []).some((i: any) => /^metadata\.(labels|annotations)\b/.test(i?.fieldRef?.fieldPath ?? ""));
  return (pod.spec?.volumes ?? []).filter((v: any) => uses(v.downwardAPI) || (v.projected?.sources ?? []).some((s: any) => uses(s?.downwardAPI))).map((v: any) => v.name as string);
}

/**
 * Sets up every volume of the pod (or those named in `only`); returns them by name.
 * Idempotent: content is rewritten.
 */
export async function setUpVolumes(pod: KubeObject, host: VolumeHost, opts: { tmpfsMounted?: Set<string>; only?: Set<string> } = {}): Promise<Map<string, PreparedVolume>> {
  const base = join(podDir(host.podsDir, pod.metadata.uid!), "volumes");
  const out = new Map<string, PreparedVolume>();
  for (const v of pod.spec?.volumes ?? []) {
    const name: string = v.name;
    if (opts.only && !opts.only.has(name)) continue;
    if (v.hostPath) {
      out.set(name, { hostPath: prepareHostPath(name, v.hostPath, host), readOnly: false });
      continue;
    }
    if (v.emptyDir) {
      const dir = join(base, "kubernetes.io~empty-dir", name);
      mkdirSync(dir, { recursive: true });
      chmodSync(dir, 0o777);
      if (v.emptyDir.medium === "Memory" && !opts.tmpfsMounted?.has(dir)) {
        await host.mountTmpfs(dir, v.emptyDir.sizeLimit ? Number(parseQuantity(v.emptyDir.sizeLimit).value()) : undefined);
        opts.tmpfsMounted?.add(dir);
      }
      out.set(name, { hostPath: dir, readOnly: false });
      continue;
    }
    let files: PayloadFile[] | undefined;
    let plugin = "";
    if (v.configMap) [plugin, files] = ["configmap", await configMapFiles(pod, name, v.configMap, host)];
    else if (v.secret) [plugin, files] = ["secret", await secretFiles(pod, name, v.secret, host)];
    else if (v.downwardAPI) [plugin, files] = ["downward-api", await downwardFiles(pod, v.downwardAPI, host)];
    else if (v.projected) {
      plugin = "projected";
      files = [];
      for (const s of v.projected.sources ?? []) {
        const mode = v.projected.defaultMode;
        if (s.configMap) files.push(...(await configMapFiles(pod, name, { ...s.configMap, defaultMode: mode }, host)));
        else if (s.secret) files.push(...(await secretFiles(pod, name, { ...s.secret, secretName: s.secret.name, defaultMode: mode }, host)));
        else if (s.downwardAPI) files.push(...(await downwardFiles(pod, { ...s.downwardAPI, defaultMode: mode }, host)));
        else if (s.serviceAccountToken) files.push(await tokenFile(pod, name, s.serviceAccountToken, mode, host));
      }
    }
    if (files) {
      const dir = join(base, `kubernetes.io~${plugin}`, name);
      await writeAtomically(dir, files);
      out.set(name, { hostPath: dir, readOnly: true });
      continue;
    }
    if (v.persistentVolumeClaim) {
      const claim = host.claims ? await resolveClaim(pod, v.persistentVolumeClaim, host.claims) : { problem: "persistentVolumeClaim volumes are not available on this node" };
      if ("problem" in claim) throw mountFailed(name, claim.problem);
      out.set(name, { hostPath: prepareHostPath(name, claim, host, claim.createMode), readOnly: claim.readOnly });
      continue;
    }
    throw mountFailed(name, `volume type ${Object.keys(v).filter((k) => k !== "name").join(",") || "(none)"} is not supported on this node`);
  }
  return out;
}

/** Bind mounts for one container: its volumeMounts (with subPath), /etc/hosts, its termination log. */
export function containerMounts(container: any, volumes: Map<string, PreparedVolume>, extra: { etcHosts?: string; terminationLog?: string }): Mount[] {
  const out: Mount[] = [];
  for (const m of container.volumeMounts ?? []) {
    const v = volumes.get(m.name);
    if (!v) throw new RuntimeError("CreateContainerConfigError", `volume "${m.name}" not found in the pod's volumes`);
    let hostPath = v.hostPath;
    if (m.subPath) {
      if (m.subPath.startsWith("/") || m.subPath.split("/").includes("..")) throw new RuntimeError("CreateContainerConfigError", `invalid subPath ${JSON.stringify(m.subPath)}`);
      hostPath = join(hostPath, m.subPath);
      if (!existsSync(hostPath)) mkdirSync(hostPath, { recursive: true });
    }
    const propagation = m.mountPropagation === "HostToContainer" ? "PROPAGATION_HOST_TO_CONTAINER" : m.mountPropagation === "Bidirectional" ? "PROPAGATION_BIDIRECTIONAL" : undefined;
    out.push({ containerPath: m.mountPath, hostPath, readonly: !!m.readOnly || v.readOnly, propagation });
  }
  const mounted = new Set(out.map((m) => m.containerPath));
  if (extra.etcHosts && !mounted.has("/etc/hosts")) out.push({ containerPath: "/etc/hosts", hostPath: extra.etcHosts, readonly: false });
  const logPath = container.terminationMessagePath ?? "/dev/termination-log";
  if (extra.terminationLog && !mounted.has(logPath)) out.push({ containerPath: logPath, hostPath: extra.terminationLog, readonly: false });
  return out;
}

/** Unmounts what the pod mounted and removes its directory. */
export async function tearDownVolumes(uid: string, host: VolumeHost, tmpfsMounts: Iterable<string>): Promise<void> {
  for (const m of tmpfsMounts) await host.unmount(m).catch(() => undefined);
  await rm(podDir(host.podsDir, uid), { recursive: true, force: true });
}
