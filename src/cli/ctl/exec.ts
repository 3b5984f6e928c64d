/** `k3rs ctl exec` and `attach`: a command in (or the main process of) a container, streamed over WebSocket. */
import type { Command } from "commander";
import type { CtlApp, Terminal } from "./command.ts";
import type { CtlContext } from "./context.ts";
import { defaultContainer, resolvePod } from "./pod-target.ts";
import { runRemoteCommand } from "./remote-command.ts";

export interface ExecOptions {
  container?: string;
  stdin?: boolean;
  tty?: boolean;
  quiet?: boolean;
}

const DEFAULT_TERMINAL: Terminal = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr };

/** The pod and container both verbs act on, with kubectl's notes and its refusal of finished pods. */
async function target(ctx: CtlContext, name: string, o: ExecOptions, verb: "exec" | "attach"): Promise<{ pod: any; container: string }> {
  const { pod, note } = await resolvePod(ctx, name);
  if (note && !o.quiet) ctx.err(note);
  const phase = pod.status?.phase;
  if (phase === "Succeeded" || phase === "Failed") throw new Error(`cannot ${verb === "exec" ? "exec into" : "attach to"} a container in a completed pod; current phase is ${phase}`);
  if (o.container) return { pod, container: o.container };
  const d = defaultContainer(pod);
  if (d.note && !o.quiet) ctx.err(d.note);
  return { pod, container: d.name };
}

/** kubectl's SetupTTY: a tty only with stdin, and only when stdin is a terminal (else a note). */
function useTty(ctx: CtlContext, o: ExecOptions, term: Terminal): boolean {
  if (!o.tty || !o.stdin) return false;
  if (!term.stdin.isTTY) {
    if (!o.quiet) ctx.err("Unable to use a TTY - input is not a terminal or the right kind of file\n");
    return false;
  }
  return true;
}

export async function runExec(ctx: CtlContext, args: string[], o: ExecOptions, term: Terminal = DEFAULT_TERMINAL): Promise<number> {
  const [name, ...command] = args;
  if (!name || command.length === 0) throw new Error("both a pod and a command are required");
  const { pod, container } = await target(ctx, name, o, "exec");
  const tty = useTty(ctx, o, term);
  const q = new URLSearchParams();
  for (const c of command) q.append("command", c);
  q.set("container", container);
  if (o.stdin) q.set("stdin", "true");
  q.set("stdout", "true");
  if (!tty) q.set("stderr", "true");
  if (tty) q.set("tty", "true");
  const path = `/api/v1/namespaces/${encodeURIComponent(pod.metadata.namespace)}/pods/${encodeURIComponent(pod.metadata.name)}/exec`;
  return runRemoteCommand(ctx, path, q, { stdin: !!o.stdin, tty, terminal: term });
}

export async function runAttach(ctx: CtlContext, args: string[], o: ExecOptions, term: Terminal = DEFAULT_TERMINAL): Promise<number> {
  const [name] = args;
  if (!name) throw new Error("expected POD, TYPE/NAME is a required argument for the attach command");
  const { pod, container } = await target(ctx, name, o, "attach");
  const spec = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].find((c: any) => c.name === container);
  if (!spec) throw new Error(`container ${container} not found in pod ${pod.metadata.name}`);
  // kubectl follows the container: no tty when it has none (with a note), a tty when it has one.
  let wantTty = !!o.tty;
  if (wantTty && !spec.tty) {
    wantTty = false;
    if (!o.quiet) ctx.err(`error: Unable to use a TTY - container ${container} did not allocate one\n`);
  } else if (!wantTty && spec.tty) wantTty = true;
  const tty = useTty(ctx, { ...o, tty: wantTty }, term);
  if (tty && !o.quiet) ctx.err("If you don't see a command prompt, try pressing enter.\n");
  const q = new URLSearchParams();
  q.set("container", container);
  if (o.stdin) q.set("stdin", "true");
  q.set("stdout", "true");
  if (!tty) q.set("stderr", "true");
  if (tty) q.set("tty", "true");
  const path = `/api/v1/namespaces/${encodeURIComponent(pod.metadata.namespace)}/pods/${encodeURIComponent(pod.metadata.name)}/attach`;
  return runRemoteCommand(ctx, path, q, { stdin: !!o.stdin, tty, terminal: term });
}

export function registerExec(app: CtlApp): void {
  const term = app.deps.terminal ?? DEFAULT_TERMINAL;
  app
    .verb("exec")
    .description("Execute a command in a container")
    .argument("<target>", "POD or TYPE/NAME")
    .argument("[command...]", "the command and its arguments, after --")
    .option("-c, --container <name>", "container name (default: the pod's default container)")
    .option("-i, --stdin", "pass stdin to the container")
    .option("-t, --tty", "stdin is a TTY")
    .option("-q, --quiet", "only print output from the remote session")
    .action(app.action((ctx, cmd: Command) => runExec(ctx, cmd.args, cmd.opts(), term)));
  app
    .verb("attach")
    .description("Attach to a running container")
    .argument("<target>", "POD or TYPE/NAME")
    .option("-c, --container <name>", "container name (default: the pod's default container)")
    .option("-i, --stdin", "pass stdin to the container")
    .option("-t, --tty", "stdin is a TTY")
    .option("-q, --quiet", "only print output from the remote session")
    .action(app.action((ctx, cmd: Command) => runAttach(ctx, cmd.args, cmd.opts(), term)));
}
