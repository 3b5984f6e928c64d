/**
 * Every change to the node's network goes through a `NetRunner`, so tests point it at a
 * network namespace (`ip -n NS …`, `bridge -n NS …`) and never touch the host.
 */

export interface NetResult {
  code: number;
  stdout: string;
  stderr: string;
}

export type NetTool = "ip" | "bridge";

/** Runs iproute2's `ip` or `bridge` with the given arguments. */
export type NetRunner = (tool: NetTool, args: string[]) => Promise<NetResult>;

/** `ip`/`bridge` on this host, or inside the named network namespace (`-n NS`). */
export function netRunner(netns?: string): NetRunner {
  return async (tool, args) => {
    const argv = netns ? [tool, "-n", netns, ...args] : [tool, ...args];
    const p = Bun.spawn(argv, { stdout: "pipe", stderr: "pipe", stdin: "ignore" });
    const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
    return { code, stdout, stderr };
  };
}

/** An `ip`/`bridge` command that failed, with what it said. */
export class NetCommandError extends Error {
  constructor(
    readonly tool: NetTool,
    readonly args: string[],
    readonly result: NetResult,
  ) {
    super(`${tool} ${args.join(" ")}: exit ${result.code}: ${result.stderr.trim() || result.stdout.trim()}`);
    this.name = "NetCommandError";
  }
}

/** Runs and throws a `NetCommandError` unless the command succeeded. */
export async function mustRun(run: NetRunner, tool: NetTool, args: string[]): Promise<NetResult> {
  const r = await run(tool, args);
  if (r.code !== 0) throw new NetCommandError(tool, args, r);
  return r;
}
