/**
 * Setup and cleanup for end-to-end tests that run real pods (containerd, runc, CNI) on this
 * machine: the safety routes DESIGN.md asks for, and a teardown that leaves nothing behind —
 * the agent's containerd and its shims (found by our own socket, ended by PID), mounts under
 * the data dir, the node's bridge and NAT rules, then the data dir itself.
 */
import { existsSync, readFileSync, readdirSync, rmdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { sh } from "./shell.ts";
import { serviceDeviceFor } from "../../src/agent/network/service-device.ts";

export const CAN_RUN_PODS = process.getuid?.() === 0 && existsSync("/usr/bin/containerd") && existsSync("/usr/sbin/runc") && ["/usr/lib/cni/bridge", "/opt/cni/bin/bridge"].some(existsSync);

/** A misrouted packet for the cluster or service CIDR dies here instead of leaving the machine. */
export async function addSafetyRoutes(): Promise<void> {
  for (const cidr of ["10.42.0.0/16", "10.43.0.0/16"]) {
    const r = await sh(["ip", "route", "replace", "unreachable", cidr]);
    if (r.code !== 0) throw new Error(`ip route replace unreachable ${cidr}: ${r.out}`);
  }
}

function pidsWithArg(needle: string): number[] {
  const out: number[] = [];
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readFileSync(`/proc/${d}/cmdline`, "utf8").split("\0").includes(needle)) out.push(Number(d));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

async function stopPid(pid: number, timeoutMs = 10_000): Promise<void> {
  try {
    process.kill(pid, "SIGTERM");
  } catch {
    return;
  }
  const deadline = Date.now() + timeoutMs;
  while (existsSync(`/proc/${pid}`) && Date.now() < deadline) await Bun.sleep(50);
  if (existsSync(`/proc/${pid}`)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // exited
    }
  }
}

/**
 * The init PIDs of the containers this node's runc runs (from runc's state files under the
 * agent's data dir). Containers outlive containerd and its shims by design (fail-static), so
 * a test that ends its node must end them too — these, and only these.
 */
function containerInits(ctrdDir: string): number[] {
  const out: number[] = [];
  const walk = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name === "state.json") {
        try {
          const pid = Number(JSON.parse(readFileSync(p, "utf8")).init_process_pid);
          if (pid > 1) out.push(pid);
        } catch {
          // half-written state: nothing to kill
        }
      }
    }
  };
  walk(join(ctrdDir, "runc"));
  return out;
}

/** Stops the containerd this data dir's agent started, the shims it started and their containers. */
export async function stopAgentContainerd(dataDir: string): Promise<void> {
  const ctrdDir = join(dataDir, "agent", "containerd");
  for (const pid of containerInits(ctrdDir)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  const pidFile = join(ctrdDir, "containerd.pid");
  const socket = existsSync(join(ctrdDir, "config.toml")) ? /address\s*=\s*"([^"]+\.sock)"/.exec(readFileSync(join(ctrdDir, "config.toml"), "utf8"))?.[1] : undefined;
  if (existsSync(pidFile)) await stopPid(Number(readFileSync(pidFile, "utf8").trim()));
  if (socket) for (const pid of pidsWithArg(socket)) await stopPid(pid, 5000);
}

/** Unmounts everything under a directory, deepest first. */
export async function unmountUnder(dir: string): Promise<void> {
  const points = readFileSync("/proc/self/mountinfo", "utf8").split("\n").map((l) => l.split(" ")[4]).filter((p): p is string => !!p && (p === dir || p.startsWith(`${dir}/`)));
  for (const p of points.sort((a, b) => b.length - a.length)) await sh(["umount", "-l", p]);
}

export async function removeBridge(name: string): Promise<void> {
  await sh(["ip", "link", "del", name]);
}

/** Removes the NAT and forward rules the agent added for one pod CIDR. */
export async function removeNatRules(podCidr: string): Promise<void> {
  const rules = (await sh(["iptables-save"])).out.split("\n").filter((l) => l.startsWith("-A ") && l.includes(podCidr) && l.includes("k3rs"));
  for (const rule of rules) {
    const table = rule.includes("MASQUERADE") ? "nat" : "filter";
    const args = rule.slice(3).match(/"[^"]*"|\S+/g)!.map((a) => a.replace(/^"|"$/g, ""));
    await sh(["iptables", "-w", "5", "-t", table, "-D", ...args]);
  }
  // The chain and its jump go once no node's rule is left in it.
  const left = (await sh(["iptables", "-w", "5", "-t", "nat", "-S", "K3RS-POSTROUTING"])).out.split("\n").filter((l) => l.startsWith("-A "));
  if (!left.length) {
    await sh(["iptables", "-w", "5", "-t", "nat", "-D", "POSTROUTING", "-m", "comment", "--comment", "k3rs pod egress", "-j", "K3RS-POSTROUTING"]);
    await sh(["iptables", "-w", "5", "-t", "nat", "-X", "K3RS-POSTROUTING"]);
  }
}

/**
 * Removes pods' cgroups left under /k3rs once their containers are gone (a pod whose agent
 * stopped before releasing it). Only empty ones can go, so other nodes' live pods are safe.
 */
/** Depth first: containers' cgroups (left when containerd was stopped first), then the pod's. */
function removeCgroupTree(dir: string): void {
  try {
    for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) removeCgroupTree(join(dir, e.name));
    rmdirSync(dir);
  } catch {
    // still has processes: not ours to remove
  }
}

export function removeEmptyPodCgroups(): void {
  const root = "/sys/fs/cgroup";
  if (!existsSync(root)) return;
  for (const h of [root, ...readdirSync(root).map((d) => join(root, d))]) {
    for (const tier of ["k3rs", "k3rs/burstable", "k3rs/besteffort"]) {
      const dir = join(h, tier);
      if (!existsSync(dir)) continue;
      for (const d of readdirSync(dir)) if (d.startsWith("pod")) removeCgroupTree(join(dir, d));
    }
  }
}

export async function cleanupRealNode(o: { dataDir: string; bridge?: string; podCidr?: string }): Promise<void> {
  await stopAgentContainerd(o.dataDir);
  removeEmptyPodCgroups();
  await unmountUnder(o.dataDir);
  if (o.bridge) await removeBridge(o.bridge);
  // The node's ClusterIP device (agent/network service-device.ts), named after the data dir.
  await sh(["ip", "link", "del", serviceDeviceFor(o.dataDir)]);
  if (o.podCidr) await removeNatRules(o.podCidr);
  // The VXLAN device has one name per network namespace (net/routes DEFAULT_VXLAN): a node in the
  // host's namespace leaves it behind as flannel does, and real-pod files run one at a time.
  await sh(["ip", "link", "del", "k3rs.vxlan"]);
  rmSync(o.dataDir, { recursive: true, force: true });
}
