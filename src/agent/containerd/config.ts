/**
 * The config.toml for the agent's own containerd (containerd 1.6/1.7, config version 2).
 *
 * Everything containerd keeps lives under the agent's data dir — root, state, the gRPC
 * socket, runc's state, the `opt` plugin's dir, pod network namespaces — so several agents
 * (nodes) can run on one machine without sharing anything but the kernel. The settings that
 * look optional were each needed on the development VM; see DESIGN.md "Verified on the
 * development machines".
 *
 * @example
 *   const text = containerdConfig({
 *     dataDir: "/var/lib/k3rs/agent/containerd",
 *     sandboxImage: "k3rs.local/pause:1",
 *     cniBinDir: "/usr/lib/cni",
 *     cniConfDir: "/var/lib/k3rs/agent/cni/net.d",
 *   });
 */
import { createHash } from "node:crypto";
import { join } from "node:path";

export interface ContainerdConfigOptions {
  /** `<agent data dir>/containerd`; absolute. */
  dataDir: string;
  /** Must name an image already imported: air-gapped nodes cannot pull it. */
  sandboxImage: string;
  cniBinDir: string;
  cniConfDir: string;
  /**
   * A cgroup (absolute, cgroupfs path) to move containerd itself into, and with it the shims
   * it starts, so one node's daemons are accounted apart from another's. Unset: containerd
   * stays in the cgroup it was started in.
   */
  cgroupParent?: string;
  /**
   * Turn off CRI's AppArmor profile. Needed where the kernel has AppArmor on but
   * `apparmor_parser` is missing; the supervisor decides (hostNeedsApparmorDisabled).
   */
  disableApparmor?: boolean;
}

/** sun_path holds 108 bytes including the terminating NUL. */
export const MAX_UNIX_SOCKET_PATH = 107;
const TTRPC_SUFFIX = ".ttrpc";

/**
 * Where containerd listens: `<dataDir>/containerd.sock`, or, when that path (plus the
 * `.ttrpc` sibling containerd derives from it) is too long for a unix socket,
 * `/run/k3rs/<hash of dataDir>/containerd.sock` — still one per data dir.
 */
export function containerdSocketPath(dataDir: string): string {
  const preferred = join(dataDir, "containerd.sock");
  if (Buffer.byteLength(preferred + TTRPC_SUFFIX) <= MAX_UNIX_SOCKET_PATH) return preferred;
  const hash = createHash("sha256").update(dataDir).digest("hex").slice(0, 16);
  return join("/run/k3rs", hash, "containerd.sock");
}

export function containerdPaths(dataDir: string) {
  return {
    config: join(dataDir, "config.toml"),
    socket: containerdSocketPath(dataDir),
    pidFile: join(dataDir, "containerd.pid"),
    log: join(dataDir, "containerd.log"),
    root: join(dataDir, "root"),
    state: join(dataDir, "state"),
    runcRoot: join(dataDir, "runc"),
    opt: join(dataDir, "opt"),
  };
}

/** TOML basic string: JSON's escapes are a subset TOML accepts for these values. */
function str(value: string): string {
  return JSON.stringify(value);
}

export function containerdConfig(o: ContainerdConfigOptions): string {
  if (!o.dataDir.startsWith("/")) throw new Error(`containerd data dir must be absolute: ${o.dataDir}`);
  const p = containerdPaths(o.dataDir);
  const cri = `plugins."io.containerd.grpc.v1.cri"`;
  const lines = [
    `# Written by the k3rs agent at every start; edits are lost.`,
    `version = 2`,
    `root = ${str(p.root)}`,
    `state = ${str(p.state)}`,
    ``,
    `[grpc]`,
    `  address = ${str(p.socket)}`,
    ``,
    `[ttrpc]`,
    `  address = ${str(p.socket + TTRPC_SUFFIX)}`,
    ``,
  ];
  if (o.cgroupParent) lines.push(`[cgroup]`, `  path = ${str(o.cgroupParent)}`, ``);
  lines.push(
    // The default (/opt/containerd) would be shared by every containerd on the machine.
    `[plugins."io.containerd.internal.v1.opt"]`,
    `  path = ${str(p.opt)}`,
    ``,
    `[${cri}]`,
    `  sandbox_image = ${str(o.sandboxImage)}`,
    // Without CAP_SYS_RESOURCE every sandbox fails writing /proc/self/oom_score_adj otherwise.
    `  restrict_oom_score_adj = true`,
    // Pod netns bind mounts under our state dir, not the machine-wide /var/run/netns.
    `  netns_mounts_under_state_dir = true`,
    // Exec/attach/port-forward URLs: loopback only, a free port per containerd.
    `  stream_server_address = "127.0.0.1"`,
    `  stream_server_port = "0"`,
    `  enable_selinux = false`,
    `  disable_apparmor = ${o.disableApparmor ? "true" : "false"}`,
    ``,
    `[${cri}.containerd]`,
    `  snapshotter = "overlayfs"`,
    `  default_runtime_name = "runc"`,
    ``,
    // crun fails on hybrid v1/v2 cgroup hosts; runc works.
    `[${cri}.containerd.runtimes.runc]`,
    `  runtime_type = "io.containerd.runc.v2"`,
    ``,
    `[${cri}.containerd.runtimes.runc.options]`,
    `  SystemdCgroup = false`,
    // runc's own container state, per node, so two agents' runc never see each other's ids.
    `  Root = ${str(p.runcRoot)}`,
    ``,
    `[${cri}.cni]`,
    `  bin_dir = ${str(o.cniBinDir)}`,
    `  conf_dir = ${str(o.cniConfDir)}`,
    `  max_conf_num = 1`,
    ``,
  );
  return lines.join("\n");
}
