/** `k3rs agent`: flags → AgentConfig → join (or reuse credentials) → run the node agent until signalled. */
import type { Command } from "commander";
import { join } from "node:path";
import { AGENT_FLAG_LIST } from "../config/flags.ts";
import { addFlags, givenFlags } from "./flags.ts";
import { resolveAgentConfig, type AgentConfig, type AgentConfigSource } from "../config/agent-config.ts";
import { parseLabels, parseTaints } from "../config/sources.ts";
import { kubeletSettings } from "../config/kubelet-args.ts";
import { setLogLevel, log } from "../log.ts";
import { takeNotifySocket, tellSystemd } from "./systemd-notify.ts";

export function registerAgentCommand(program: Command, run = runAgentProcess): void {
  const cmd = program
    .command("agent")
    .description("Run a node agent that joins a server")
    .option("--config <file>", "config file (default /etc/k3rs/config.yaml)");
  addFlags(cmd, AGENT_FLAG_LIST)
    .action(async (opts: Record<string, unknown>, cmd: Command) => {
      const flags: AgentConfigSource = givenFlags(cmd, opts, AGENT_FLAG_LIST);
      let cfg: AgentConfig;
      try {
        cfg = resolveAgentConfig({ flags, configPath: opts.config as string | undefined, env: process.env, isRoot: process.getuid?.() === 0 });
      } catch (e) {
        console.error(`k3rs agent: ${(e as Error).message}`);
        process.exit(1);
      }
      await run(cfg);
    });
}

async function runAgentProcess(cfg: AgentConfig): Promise<void> {
  if (cfg.debug) setLogLevel("debug");
  const notifySocket = takeNotifySocket(process.env);
  const ac = new AbortController();
  // The agent is loaded only by the role that runs it, so `k3rs ctl` and `k3rs server --disable-agent` never evaluate it.
  const { ensureJoined, JoinError, credentialsDir, nodePassword } = await import("../agent/join.ts");
  const { RestClient } = await import("../client/rest-client.ts");
  const { keepAliveFetcher } = await import("../client/keep-alive-fetcher.ts");
  const { runAgent } = await import("../agent/run.ts");
  const { CertRenewer } = await import("../agent/cert-renewer.ts");
  const { startMemoryTrim } = await import("../lib/memory-trim.ts");
  // Each node's certificate is renewed through the server before it expires, for as long as the agent runs.
  const renew = (client: InstanceType<typeof RestClient>, nodeName: string, dataDir: string) => {
    const dir = credentialsDir(dataDir);
    new CertRenewer({ client, nodeName, nodePassword: nodePassword(dir), credentialsDir: dir, signal: ac.signal }).start();
    return client;
  };
  try {
    const creds = await ensureJoined({ server: cfg.server, token: cfg.token ?? process.env.K3RS_TOKEN, nodeName: cfg.nodeName, dataDir: cfg.dataDir });
    const client = renew(new RestClient({ server: creds.server, ca: creds.caPem, cert: creds.certPem, key: creds.keyPem, path: "(agent)" }), cfg.nodeName, cfg.dataDir);
    const agent = await runAgent({
      client,
      nodeName: cfg.nodeName,
      nodeIp: cfg.nodeIp,
      externalIPs: cfg.nodeExternalIp,
      dataDir: cfg.dataDir,
      runtime: cfg.runtime,
      containerRuntimeEndpoint: cfg.containerRuntimeEndpoint,
      kubelet: kubeletSettings(cfg.kubeletArg),
      simulate: cfg.simulate,
      // Each hollow node joins as itself (its credentials under <data-dir>/simulated/<name>).
      clientFor: cfg.simulate === undefined ? undefined : async (name: string) => {
        const dataDir = join(cfg.dataDir, "simulated", name);
        const c = await ensureJoined({ server: cfg.server, token: cfg.token ?? process.env.K3RS_TOKEN, nodeName: name, dataDir });
        // Its own connection: Bun's fetch keeps 64 for the whole process, too few for a thousand
        // identities. One, as a kubelet holds one (HTTP/2) to its server: a second per node cost a
        // thousand client-certificate handshakes at the start of every burst, on both sides.
        return renew(new RestClient({ server: c.server, ca: c.caPem, cert: c.certPem, key: c.keyPem, path: `(hollow ${name})` }, keepAliveFetcher({ maxSockets: 1 })), name, dataDir);
      },
      flannelIface: cfg.flannelIface,
      resolvConf: cfg.resolvConf,
      labels: parseLabels(cfg.nodeLabel, "--node-label"),
      taints: parseTaints(cfg.nodeTaint, "--node-taint"),
      signal: ac.signal,
    });
    // This process is the agent alone: what a burst of pods made it grow by goes back (the
    // server's embedded agent shares the control plane's heap, whose full collections cost more).
    startMemoryTrim({ signal: ac.signal });
    console.log(`k3rs agent is running: ${agent.nodes.length === 1 ? `node ${agent.nodes[0]!.name}` : `${agent.nodes.length} hollow nodes`} joined to ${creds.server}`);
    tellSystemd(notifySocket, "READY=1");
  } catch (e) {
    const msg = e instanceof JoinError ? e.message : `${(e as Error).message}${(e as Error).cause ? `: ${((e as Error).cause as Error).message ?? (e as Error).cause}` : ""}`;
    console.error(`k3rs agent: ${msg}`);
    process.exit(1);
  }
  const shutdown = (sig: string) => {
    log.info("agent shutting down; containers keep running", { signal: sig });
    tellSystemd(notifySocket, "STOPPING=1");
    ac.abort();
    process.exit(0);
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
}
