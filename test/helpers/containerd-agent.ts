/**
 * Plays an agent that starts its containerd and then dies: prints `{"pid":…}` on one line
 * once containerd answers, then waits to be killed. Used to check that containerd outlives
 * a `kill -9` of the process that started it.
 *
 *   bun test/helpers/containerd-agent.ts <containerd data dir> <CNI conf dir>
 */
import { startContainerd } from "../../src/agent/containerd/supervisor.ts";

const [dataDir, cniConfDir] = process.argv.slice(2);
if (!dataDir || !cniConfDir) throw new Error("usage: containerd-agent.ts <data dir> <CNI conf dir>");
const containerd = await startContainerd({
  dataDir,
  cniConfDir,
  cniBinDir: "/usr/lib/cni",
  sandboxImage: "docker.io/k3rs/pause:3.9",
});
console.log(JSON.stringify({ pid: containerd.pid, adopted: containerd.adopted }));
setInterval(() => {}, 1 << 30);
