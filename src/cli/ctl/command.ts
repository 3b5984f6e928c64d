/**
 * How a ctl verb registers itself: kubectl's global flags on every command, one action
 * wrapper that builds the context, prints errors in kubectl's words and exits with the code
 * the verb returns. Each verb file exports `registerX(app)` and a `runX(ctx, …)` that tests call.
 */
import type { Command } from "commander";
import { ExitError, formatError, makeContext, type CtlContext, type GlobalOptions, type Output } from "./context.ts";

/** Process streams a verb may need beyond text output (exec, attach, edit, logs -f). */
export interface Terminal {
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
}

export interface CtlDeps {
  io?: Output;
  exit?: (code: number) => void;
  stdin?: () => string;
  terminal?: Terminal;
  env?: Record<string, string | undefined>;
}

export interface CtlApp {
  ctl: Command;
  deps: Required<Pick<CtlDeps, "io" | "exit">> & CtlDeps;
  /** A subcommand of `parent` (default ctl) that takes the global flags. */
  verb(name: string, parent?: Command): Command;
  action(run: (ctx: CtlContext, cmd: Command) => Promise<number>): (...args: any[]) => Promise<void>;
}

/** kubectl takes its global flags anywhere on the line; so does every ctl verb. */
export function withGlobals(c: Command): Command {
  return c
    .option("--kubeconfig <file>", "kubeconfig (default $KUBECONFIG, /etc/k3rs/k3rs.yaml, ~/.kube/config)")
    .option("--context <name>", "kubeconfig context to use")
    .option("-n, --namespace <ns>", "namespace");
}

export function makeApp(ctl: Command, deps: CtlDeps): CtlApp {
  const full = { ...deps, io: deps.io ?? { out: (t: string) => process.stdout.write(t), err: (t: string) => process.stderr.write(t) }, exit: deps.exit ?? ((code: number) => process.exit(code)) };
  return {
    ctl,
    deps: full,
    verb: (name, parent = ctl) => withGlobals(parent.command(name)),
    action: (run) => async (...args: any[]) => {
      const cmd = args[args.length - 1] as Command;
      const g = cmd.optsWithGlobals() as GlobalOptions;
      let code: number;
      try {
        code = await run(makeContext(g, full.io, deps.env ?? process.env), cmd);
      } catch (e) {
        full.io.err(formatError(e));
        code = e instanceof ExitError ? e.code : 1;
      }
      full.exit(code);
    },
  };
}

/** commander's collector for repeatable flags (`-l a -l b`, `--from-literal k=v …`). */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
