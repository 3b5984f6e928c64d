/**
 * The one entry point: `k3rs server | agent | ctl | …`. Parses flags into a config and calls the
 * role's run function; nothing else lives here.
 */
// First: tsyringe (under @peculiar/x509) throws at load unless this polyfill ran before it (see pki/x509.ts).
import "reflect-metadata";
import { Command } from "commander";
import { version, gitCommit } from "./version.ts";
import { commandsToLoad } from "./cli/commands.ts";

/**
 * The program with the commands `argv` can reach: only the named one when argv names one, all
 * of them for the root's help, version or a mistyped name. Each command's module (and what it
 * imports) is loaded here, so `k3rs agent` never evaluates kubectl's verbs and printers; with
 * each dynamic import its own chunk (build.ts) it never reads them either (bench/agent-rss.ts:
 * idle agent 66 → 61 MiB).
 */
export async function buildProgram(argv: readonly string[] = process.argv): Promise<Command> {
  const program = new Command("k3rs")
    .description("Lightweight Kubernetes: one executable for the control plane, the node agent and the CLI")
    .version(`k3rs version v${version} (${gitCommit})`, "-v, --version", "print the version and the git commit it was built from")
    .showHelpAfterError()
    .enablePositionalOptions();
  for (const load of commandsToLoad(argv[2])) (await load())(program);
  return program;
}

if (import.meta.main) {
  await (await buildProgram(process.argv)).parseAsync(process.argv);
}
