/** `k3rs server`: flags → ServerConfig → startServer, then wait for a signal. */
import type { Command } from "commander";
import { resolveServerConfig, SERVER_FLAGS, type ConfigSource, type ServerConfig } from "../config/server-config.ts";
import { startServer } from "../server/run.ts";
import { setLogLevel, log } from "../log.ts";
import { installLastResortHandlers } from "../server/last-resort.ts";
import { raiseFileLimit } from "../server/file-limit.ts";
import { parseTransportTimeouts } from "../api/transport-timeouts.ts";
import { untrustedCapFor } from "../api/untrusted-connections.ts";

/** Below this many descriptors a burst of idle connections can starve the agents' lease renewals. */
const WANTED_FILES = 65_536;

export function registerServerCommand(program: Command, run = runServer): void {
  program
    .command("server")
    .description("Run the control plane (API server, store, scheduler, controllers) and, unless --disable-agent, a node agent")
    .option("--config <file>", "config file (default /etc/k3rs/config.yaml)")
    .option("-d, --data-dir <dir>", "data directory (default /var/lib/k3rs as root, ~/.k3rs otherwise)")
    .option("--https-listen-port <port>", "HTTPS port of the API (default 6443)")
    .option("--bind-address <ip>", "address to listen on (default 0.0.0.0)")
    .option("-t, --token <secret>", "shared secret agents use to join")
    .option("--node-name <name>", "this node's name (default: hostname)")
    .option("--node-ip <ip>", "this node's IP address")
    .option("--tls-san <names>", "extra hostnames or IPs for the serving certificate (comma separated)")
    .option("--cluster-cidr <cidr>", "pod network (default 10.42.0.0/16)")
    .option("--service-cidr <cidr>", "service network (default 10.43.0.0/16)")
    .option("--disable-agent", "do not run the node agent in this process")
    .option("--node-label <key=value...>", "labels for this node (repeatable)")
    .option("--node-taint <key=value:Effect...>", "taints for this node (repeatable)")
    .option("--runtime <kind>", "the embedded agent's container runtime: containerd (default) or fake (hollow pods, for tests)")
    .option("--kubelet-arg <key=value...>", "the embedded agent's kubelet flag (repeatable): container-log-max-size, container-log-max-files")
    .option("--container-runtime-endpoint <socket>", "the embedded agent uses this CRI socket instead of its own containerd")
    .option("--scheduler-profile <name>", "scheduler profile: default (spread by least-allocated) or binpack (most-allocated)")
    .option("--kube-controller-manager-arg <key=value...>", "controller flag (repeatable): node-monitor-grace-period, node-cidr-mask-size")
    .option("--kube-apiserver-arg <key=value...>", "API server flag (repeatable): default-not-ready-toleration-seconds, default-unreachable-toleration-seconds, event-ttl")
    .option("-o, --write-kubeconfig <file>", "also write the admin kubeconfig here (default /etc/k3rs/k3rs.yaml as root)")
    .option("--write-kubeconfig-mode <mode>", "file mode of the written kubeconfig (default 0600)")
    .option("--debug", "debug logging")
    .action(async (opts: Record<string, unknown>, cmd: Command) => {
      const flags: ConfigSource = {};
      for (const [key, flag] of Object.entries(SERVER_FLAGS)) {
        const attr = flag.replace(/-([a-z])/g, (_, c) => c.toUpperCase());
        if (cmd.getOptionValueSource(attr) === "cli") flags[key as keyof ServerConfig] = opts[attr];
      }
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
  installLastResortHandlers();
  const files = raiseFileLimit();
  if (files && files.soft < WANTED_FILES) log.warn("few file descriptors: each client connection takes one", { limit: files.soft, want: WANTED_FILES });
  else log.debug("file descriptor limit", { limit: files?.soft ?? "unknown" });
  const ac = new AbortController();
  let handle;
  try {
    // Not a user setting (kube-apiserver has no flags for these deadlines): how e2e tests shorten them.
    const timeoutSpec = process.env.K3RS_INTERNAL_API_TIMEOUTS;
    const transportTimeouts = timeoutSpec ? parseTransportTimeouts(timeoutSpec) : undefined;
    handle = await startServer(cfg, { isRoot: process.getuid?.() === 0, signal: ac.signal, transportTimeouts, maxUntrustedConnections: untrustedCapFor(files?.soft) });
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
