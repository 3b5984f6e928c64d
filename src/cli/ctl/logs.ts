/**
 * `k3rs ctl logs`: a pod's (or a workload's first pod's, or every selected pod's) container
 * logs from the server's `pods/log`, with kubectl's flags; `-f` streams, and several streams
 * followed at once run side by side, as kubectl's parallel consumer does.
 */
import type { Command } from "commander";
import { parseGoDuration } from "../../model/duration.ts";
import type { CtlApp } from "./command.ts";
import type { CtlContext } from "./context.ts";
import { defaultContainer, resolvePod } from "./pod-target.ts";

export interface LogsOptions {
  container?: string;
  allContainers?: boolean;
  follow?: boolean;
  previous?: boolean;
  since?: string;
  sinceTime?: string;
  tail?: number;
  timestamps?: boolean;
  selector?: string;
  prefix?: boolean;
  maxLogRequests?: number;
  limitBytes?: number;
  ignoreErrors?: boolean;
}

interface Source {
  pod: string;
  container: string;
}

export async function runLogs(ctx: CtlContext, args: string[], o: LogsOptions): Promise<number> {
  if (o.selector && args.length) throw new Error("only a selector (-l) or a POD name is allowed");
  if (!o.selector && args.length === 0) throw new Error("expected POD, TYPE/NAME, or -l selector");
  if (o.since && o.sinceTime) throw new Error("at most one of `sinceTime` or `sinceSeconds` may be specified");
  if (o.container && o.allContainers) throw new Error("--container cannot be used with --all-containers");
  const sources: Source[] = [];
  let pods: any[];
  if (o.selector) {
    pods = (await ctx.client.request(`/api/v1/namespaces/${encodeURIComponent(ctx.namespace)}/pods`, { query: { labelSelector: o.selector } })).items ?? [];
    if (!pods.length) {
      ctx.err(`No resources found in ${ctx.namespace} namespace.\n`);
      return 0;
    }
  } else {
    const { pod, note } = await resolvePod(ctx, args[0]!);
    if (note) ctx.err(note);
    pods = [pod];
    // `kubectl logs POD CONTAINER`, the old form, still works.
    if (args[1] && !o.container) o = { ...o, container: args[1] };
  }
  for (const pod of pods) {
    if (o.allContainers) {
      // kubectl orders a pod's streams by their field paths: spec.containers{…}, then
      // spec.ephemeralContainers{…}, then spec.initContainers{…}.
      const paths = [
        ...(pod.spec?.containers ?? []).map((c: any) => [`spec.containers{${c.name}}`, c.name]),
        ...(pod.spec?.ephemeralContainers ?? []).map((c: any) => [`spec.ephemeralContainers{${c.name}}`, c.name]),
        ...(pod.spec?.initContainers ?? []).map((c: any) => [`spec.initContainers{${c.name}}`, c.name]),
      ].sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
      for (const [, name] of paths) sources.push({ pod: pod.metadata.name, container: name });
    } else if (o.container) sources.push({ pod: pod.metadata.name, container: o.container });
    else {
      const { name, note } = defaultContainer(pod);
      if (note) ctx.err(note);
      sources.push({ pod: pod.metadata.name, container: name });
    }
  }
  // kubectl shows the last 10 lines of each pod when a selector picks them, all lines otherwise.
  const tail = o.tail ?? (o.selector ? 10 : -1);
  const query: Record<string, string | number | boolean | undefined> = {
    follow: o.follow || undefined,
    previous: o.previous || undefined,
    timestamps: o.timestamps || undefined,
    tailLines: tail >= 0 ? tail : undefined,
    limitBytes: o.limitBytes,
    sinceSeconds: o.since ? Math.ceil(parseGoDuration(o.since) / 1000) : undefined,
    sinceTime: o.sinceTime,
  };
  const prefix = (s: Source) => (o.prefix ? `[pod/${s.pod}/${s.container}] ` : "");
  const stream = (s: Source) => copyLog(ctx, s, { ...query, container: s.container }, prefix(s), o.ignoreErrors);
  if (o.follow && sources.length > 1) {
    const max = o.maxLogRequests ?? 5;
    if (sources.length > max) throw new Error(`you are attempting to follow ${sources.length} log streams, but maximum allowed concurrency is ${max}, use --max-log-requests to increase the limit`);
    await Promise.all(sources.map(stream));
  } else for (const s of sources) await stream(s);
  return 0;
}

/** One container's log copied to stdout, a line prefix added when asked (kubectl's --prefix). */
async function copyLog(ctx: CtlContext, s: Source, query: Record<string, string | number | boolean | undefined>, prefix: string, ignoreErrors?: boolean): Promise<void> {
  const path = `/api/v1/namespaces/${encodeURIComponent(ctx.namespace)}/pods/${encodeURIComponent(s.pod)}/log`;
  let res: Response;
  try {
    res = await ctx.client.stream(path, { query, accept: "*/*" });
  } catch (e) {
    if (ignoreErrors) return;
    throw e;
  }
  const dec = new TextDecoder();
  let partial = "";
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    const text = dec.decode(chunk, { stream: true });
    if (!prefix) {
      ctx.out(text);
      continue;
    }
    // Prefixes go on whole lines only, so that parallel streams never interleave mid-line.
    partial += text;
    const nl = partial.lastIndexOf("\n");
    if (nl < 0) continue;
    ctx.out(partial.slice(0, nl + 1).replace(/^(?=.)/gm, prefix));
    partial = partial.slice(nl + 1);
  }
  const rest = partial + dec.decode();
  if (rest) ctx.out(prefix + rest);
}

export function registerLogs(app: CtlApp): void {
  app
    .verb("logs")
    .description("Print the logs for a container in a pod")
    .argument("[target...]", "POD [CONTAINER] or TYPE/NAME")
    .option("-c, --container <name>", "container name")
    .option("--all-containers", "all containers' logs in the pod(s)")
    .option("-f, --follow", "stream the logs")
    .option("-p, --previous", "the previous instance of the container")
    .option("--since <duration>", "only logs newer than a relative duration like 5s, 2m, or 3h")
    .option("--since-time <time>", "only logs after a date (RFC3339)")
    .option("--tail <lines>", "lines of recent log to display (default -1, or 10 with a selector)", (v) => parseInt(v, 10))
    .option("--timestamps", "include timestamps on each line")
    .option("-l, --selector <selector>", "label selector")
    .option("--prefix", "prefix each line with the log source (pod name and container name)")
    .option("--max-log-requests <n>", "maximum number of concurrent logs to follow with a selector (default 5)", (v) => parseInt(v, 10))
    .option("--limit-bytes <n>", "maximum bytes of logs to return", (v) => parseInt(v, 10))
    .option("--ignore-errors", "when following, tolerate errors")
    .action(app.action((ctx, cmd: Command) => runLogs(ctx, cmd.args, cmd.opts())));
}
