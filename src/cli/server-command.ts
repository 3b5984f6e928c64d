/** `k3rs server`: flags → ServerConfig → startServer, then wait for a signal. */
import type { Command } from "commander";
import { SERVER_FLAG_LIST } from "../config/flags.ts";
import { addFlags, givenFlags } from "./flags.ts";
import { resolveServerConfig, type ConfigSource, type ServerConfig } from "../config/server-config.ts";
import { setLogLevel, log } from "../log.ts";

export function registerServerCommand(program: Command, run = runServer): void {
  const cmd = program
    .command("server")
    .description("Run the control plane (API server, store, scheduler, controllers) and, unless --disable-agent, a node agent")
    .option("--config <file>", "config file (default /etc/k3rs/config.yaml)");
  addFlags(cmd, SERVER_FLAG_LIST)
    .action(async (opts: Record<string, unknown>, cmd: Command) => {
      const flags: ConfigSource = givenFlags(cmd, opts, SERVER_FLAG_LIST);
      let cfg: ServerConfig;
      try {
        cfg = resolveServerConfig({ flags, configPath: opts.config as string | undefined, env: process.env, isRoot: process.getuid?.() === 0 });
      } catch (e) {
        console.error(`k3rs server: ${(e as Error).message}${(e as Error).cause ? `: ${String((e as any).cause?.message ?? (e as any).cause)}` : ""}`);
        process.exit(1);
      }
      await run(cfg);
    });
}

async function runServer(cfg: ServerConfig): Promise<void> {
  if (cfg.debug) setLogLevel("debug");
  const ac = new AbortController();
  let handle;
  try {
    // The control plane is loaded only by the role that runs it: `k3rs agent` and `k3rs ctl` never evaluate it.
    const { startServer } = await import("../server/run.ts");
    handle = await startServer(cfg, { isRoot: process.getuid?.() === 0, signal: ac.signal });
  } catch (e) {
    log.error("server failed to start", { error: String((e as Error)?.stack ?? e), cause: String((e as any)?.cause ?? "") });
    process.exit(1);
  }
  console.log(`k3rs server is running on port ${handle.port}. Kubeconfig: ${handle.kubeconfigPath}`);
  console.log(`  kubectl --kubeconfig ${handle.kubeconfigPath} get nodes,namespaces`);
  const shutdown = async (sig: string) => {
    log.info("shutting down", { signal: sig });
    await handle.stop();
    process.exit(0);
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
}
