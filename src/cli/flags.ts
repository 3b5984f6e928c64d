/** commander options from the declared flags (src/config/flags.ts), and back: the flags the user gave. */
import type { Command } from "commander";
import type { Flag } from "../config/flags.ts";

const attribute = (name: string) => name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

export function addFlags(cmd: Command, flags: readonly Flag[]): Command {
  for (const f of flags) cmd.option(`${f.short ? `-${f.short}, ` : ""}--${f.name}${f.arg ? ` ${f.arg}` : ""}`, f.help);
  return cmd;
}

/** Only the flags given on the command line, by config key (a file or the environment fills the rest). */
export function givenFlags<K extends string>(cmd: Command, opts: Record<string, unknown>, flags: readonly Flag<K>[]): Partial<Record<K, unknown>> {
  const out: Partial<Record<K, unknown>> = {};
  for (const f of flags) {
    const attr = attribute(f.name);
    if (cmd.getOptionValueSource(attr) === "cli") out[f.key] = opts[attr];
  }
  return out;
}
