/**
 * The multi-node harness cleans up after a run that crashed: a cluster held by a child process
 * (test/helpers/multi-node-hold.ts) with a pod running is left behind by `kill -9` of that
 * process — k3rs processes, containerd, the pod's container, namespaces, bridge, data dirs
 * all stay — and the next start with the same prefix must remove all of it and come up.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { KUBECTL } from "../helpers/e2e-server.ts";
import { leftovers, startMultiNode, type MultiNodeCluster } from "../helpers/multi-node.ts";
import { CAN_RUN_PODS } from "../helpers/real-node.ts";

const CAN_RUN = CAN_RUN_PODS && existsSync("/usr/bin/nsenter") && existsSync(KUBECTL);
const PREFIX = "mncrash";
const SUBNET = 237;
const CLUSTER_CIDR = "10.42.56.0/21";
const HOLD = join(import.meta.dir, "../helpers/multi-node-hold.ts");
/** An argument no other process on the machine has: the crashed run's container. */
const MARK = "3607";
const T = 180_000; // a ceiling against hangs, not a performance threshold

/** PIDs whose command line is exactly argv. */
function pidsOf(argv: string[]): number[] {
  const want = argv.join("\0");
  const out: number[] = [];
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readFileSync(`/proc/${d}/cmdline`, "utf8").replace(/\0$/, "") === want) out.push(Number(d));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

async function kubectl(kubeconfig: string, args: string[], stdin?: string): Promise<string> {
  const p = Bun.spawn([KUBECTL, "--kubeconfig", kubeconfig, ...args], { stdin: stdin ? new TextEncoder().encode(stdin) : "ignore", stdout: "pipe", stderr: "pipe", env: { ...process.env, HOME: "/tmp" } });
  const [out, err] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text()]);
  if ((await p.exited) !== 0) throw new Error(`kubectl ${args.join(" ")}: ${err}`);
  return out;
}

describe.skipIf(!CAN_RUN)("multi-node harness", () => {
  let c: MultiNodeCluster | undefined;

  afterAll(async () => {
    await c?.close();
  }, T);

  test("a crashed run's processes, containers, namespaces, bridge and data dirs are removed by the next start", async () => {
    const held = Bun.spawn([process.execPath, HOLD, PREFIX, String(SUBNET), CLUSTER_CIDR, "1"], { stdin: "pipe", stdout: "pipe", stderr: "inherit" });
    const reader = held.stdout.getReader();
    let out = "";
    const deadline = Date.now() + 120_000;
    while (!out.includes("READY") && Date.now() < deadline) {
      const { value, done } = await reader.read();
      if (done) break;
      out += new TextDecoder().decode(value);
    }
    const kubeconfig = /READY (\S+)/.exec(out)?.[1];
    expect(kubeconfig).toBeDefined();
    await kubectl(kubeconfig!, ["run", "sleeper", "-n", PREFIX, "--image=busybox", "--restart=Never", "--command", "--", "sleep", MARK]);
    await kubectl(kubeconfig!, ["wait", "-n", PREFIX, "--for=condition=Ready", "pod/sleeper", "--timeout=90s"]);
    expect(pidsOf(["sleep", MARK]).length).toBe(1);

    // the crash: the holder dies, everything it started stays
    held.kill(9);
    await held.exited;
    const left = await leftovers(PREFIX);
    expect(left.filter((l) => l.startsWith("process")).length).toBe(2); // server and agent
    expect(left).toContain(`netns k3rs-${PREFIX}-0`);
    expect(left).toContain(`bridge ${PREFIX}br`);
    const containerd = [0, 1].map((i) => Number(readFileSync(`/tmp/k3rs-${PREFIX}/node-${i}/agent/containerd/containerd.pid`, "utf8")));
    for (const pid of containerd) expect(existsSync(`/proc/${pid}`)).toBe(true);

    c = await startMultiNode({ prefix: PREFIX, subnet: SUBNET, clusterCidr: CLUSTER_CIDR, agents: 1 });
    expect(pidsOf(["sleep", MARK])).toEqual([]);
    for (const pid of containerd) expect(existsSync(`/proc/${pid}`)).toBe(false);
    // a fresh cluster: the old pod is not in it
    expect((await c.kubectl(["get", "pod", "sleeper", "-n", PREFIX])).code).not.toBe(0);

    await c.close();
    c = undefined;
    expect(await leftovers(PREFIX)).toEqual([]);
  }, T);
});
