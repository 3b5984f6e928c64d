/** `k3rs server`: flags → ServerConfig → startServer, then wait for a signal. */
import type { Command } from "commander";
import { SERVER_FLAG_LIST } from "../config/flags.ts";
import { addFlags, givenFlags } from "./flags.ts";
import { resolveServerConfig, type ConfigSource, type ServerConfig } from "../config/server-config.ts";
import { setLogLevel, log } from "../log.ts";
import { installLastResortHandlers } from "../server/last-resort.ts";
import { raiseFileLimit } from "../server/file-limit.ts";
import { parseTransportTimeouts } from "../api/transport/timeouts.ts";
import { untrustedCapFor } from "../api/transport/untrusted-connections.ts";
import { takeNotifySocket, tellSystemd } from "./systemd-notify.ts";
import { fullDiskNote } from "../lib/full-disk.ts";

/** Below this many descriptors a burst of idle connections can starve the agents' lease renewals. */
const WANTED_FILES = 65_536;

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
  const notifySocket = takeNotifySocket(process.env);
  installLastResortHandlers();
  const files = raiseFileLimit();
  if (files && files.soft < WANTED_FILES) log.warn("few file descriptors: each client connection takes one", { limit: files.soft, want: WANTED_FILES });
  else log.debug("file descriptor limit", { limit: files?.soft ?? "unknown" });
  if (cfg.clusterReset) {
    try {
      const { clusterReset } = await import("../server/cluster-reset.ts");
      for (const line of clusterReset(cfg.dataDir, cfg.clusterResetRestorePath).lines) console.log(line);
      process.exit(0);
    } catch (e) {
      console.error(`k3rs server --cluster-reset: ${(e as Error).message}${(e as Error).cause ? `: ${String((e as any).cause?.message ?? (e as any).cause)}` : ""}`);
      process.exit(1);
    }
  }
  const ac = new AbortController();
  let handle;
  try {
    // The control plane is loaded only by the role that runs it: `k3rs agent` and `k3rs ctl` never evaluate it.
    const { startServer } = await import("../server/run.ts");
    // Not a user setting (kube-apiserver has no flags for these deadlines): how e2e tests shorten them.
    const timeoutSpec = process.env.K3RS_INTERNAL_API_TIMEOUTS;
    const transportTimeouts = timeoutSpec ? parseTransportTimeouts(timeoutSpec) : undefined;
    // Nor is this (K3s has none): how tests make node certificates (joined agents' and the
    // embedded one's; not the server's own) expire within a run. Agents check at most once a
    // second, so lifetimes under about ten seconds leave them no time to renew.
    const nodeCertLifetimeMs = certLifetimeMs(process.env.K3RS_CERT_LIFETIME_SECONDS);
    // HTTP/2 on the API port is opt-in while it is measured (src/api/transport/h2-server.ts).
    const http2 = process.env.K3RS_EXPERIMENTAL_HTTP2 === "1";
    handle = await startServer(cfg, { isRoot: process.getuid?.() === 0, signal: ac.signal, transportTimeouts, maxUntrustedConnections: untrustedCapFor(files?.soft), nodeCertLifetimeMs, http2 });
  } catch (e) {
    if ((e as Error)?.name === "BootstrapTokenError") {
      console.error(`k3rs server: ${(e as Error).message}`);
      process.exit(1);
    }
    log.error("server failed to start", { error: String((e as Error)?.stack ?? e), cause: String((e as any)?.cause ?? "") });
    const cause = (e as Error)?.cause as Error | undefined;
    const full = fullDiskNote(cfg.dataDir);
    console.error(`k3rs server: ${(e as Error)?.message ?? e}${cause ? `: ${cause.message ?? cause}` : ""}${full ? `; ${full}` : ""}`);
    process.exit(1);
  }
  console.log(`k3rs server is running on port ${handle.port}. Kubeconfig: ${handle.kubeconfigPath}`);
  console.log(`  kubectl --kubeconfig ${handle.kubeconfigPath} get nodes,namespaces`);
  tellSystemd(notifySocket, `READY=1\nSTATUS=serving on port ${handle.port}`);
  const shutdown = async (sig: string) => {
    log.info("shutting down", { signal: sig });
    tellSystemd(notifySocket, "STOPPING=1");
    await handle.stop();
    process.exit(0);
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
}

/** K3RS_CERT_LIFETIME_SECONDS: a whole number of seconds, or unset (365 days). */
function certLifetimeMs(value: string | undefined): number | undefined {
  if (value === undefined || value === "") return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`K3RS_CERT_LIFETIME_SECONDS must be a whole number of seconds, not ${JSON.stringify(value)}`);
  return n * 1000;
}
