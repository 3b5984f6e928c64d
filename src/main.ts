/**
 * The one entry point: `k3rs server | agent | ctl`. Parses flags into a config and calls the
 * role's run function; nothing else lives here.
 */
// First: tsyringe (under @peculiar/x509) throws at load unless this polyfill ran before it (see pki/x509.ts).
import "reflect-metadata";
import { Command } from "commander";
import { version, gitCommit } from "./version.ts";
import { registerServerCommand } from "./cli/server-command.ts";
import { registerAgentCommand } from "./cli/agent-command.ts";
import { registerCtlCommand } from "./cli/ctl/index.ts";
import { registerSnapshotCommand } from "./cli/snapshot-command.ts";

export function buildProgram(): Command {
  const program = new Command("k3rs")
    .description("Lightweight Kubernetes: one executable for the control plane, the node agent and the CLI")
    .version(`k3rs version v${version} (${gitCommit})`, "-v, --version", "print the version and the git commit it was built from")
    .showHelpAfterError()
    .enablePositionalOptions();
  registerServerCommand(program);
  registerAgentCommand(program);
  registerCtlCommand(program);
  registerSnapshotCommand(program);
  return program;
}

if (import.meta.main) {
  await buildProgram().parseAsync(process.argv);
}
