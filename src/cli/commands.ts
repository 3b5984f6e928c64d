/**
 * Every top-level command of `k3rs`, each behind a dynamic import of the module that registers
 * it: a process evaluates only the command it runs (see main.ts).
 */
import type { Command } from "commander";

export type Register = (program: Command) => void;
type Load = () => Promise<Register>;

/** In help's order. The names include aliases (`kubectl` is `ctl`). */
const COMMANDS: { names: string[]; load: Load }[] = [
  { names: ["server"], load: async () => (await import("./server-command.ts")).registerServerCommand },
  { names: ["agent"], load: async () => (await import("./agent-command.ts")).registerAgentCommand },
  { names: ["ctl", "kubectl"], load: async () => (await import("./ctl/index.ts")).registerCtlCommand },
  { names: ["snapshot"], load: async () => (await import("./snapshot-command.ts")).registerSnapshotCommand },
  { names: ["secrets-encrypt"], load: async () => (await import("./secrets-encrypt-command.ts")).registerSecretsEncryptCommand },
  { names: ["certificate"], load: async () => (await import("./certificate-command.ts")).registerCertificateCommand },
];

/**
 * The loaders a command line needs: the one command `first` (argv[2]) names, or every command
 * when it names none (`--help`, `--version`, no argument, a typo that help should list the
 * commands for).
 */
export function commandsToLoad(first: string | undefined): Load[] {
  const named = COMMANDS.find((c) => first !== undefined && c.names.includes(first));
  return named ? [named.load] : COMMANDS.map((c) => c.load);
}

/** Every command's name and alias, for tests that each one loads. */
export const COMMAND_NAMES: readonly string[] = COMMANDS.flatMap((c) => c.names);
