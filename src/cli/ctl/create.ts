/**
 * `k3rs ctl create` (from files, or a namespace, configmap, secret generic|tls, deployment,
 * job [--from=cronjob/x], cronjob), `run` and `expose`: the generators' objects created
 * through the API, or printed with `--dry-run=client -o yaml` as kubectl prints them.
 */
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { qualifiedName, resourcePath } from "../../client/discovery.ts";
import { collect, type CtlApp } from "./command.ts";
import { StatusError } from "../../model/errors.ts";
import { formatError, type CtlContext } from "./context.ts";
import { readManifests } from "./manifests.ts";
import { pathOf, selectObjects } from "./objects.ts";
import { objectPrinter } from "./printers/object-printer.ts";
import * as gen from "./generators.ts";
import { dryRun } from "./dry-run.ts";

export interface OutputFlags {
  dryRun?: string;
  output?: string;
}

/** Creates (or, with --dry-run=client, only prints) `obj`; `verb` is the word kubectl reports (`created`, `exposed`). */
export async function createObject(ctx: CtlContext, obj: any, o: OutputFlags, verb = "created", failure?: (e: unknown) => Error): Promise<void> {
  const mode = dryRun(o.dryRun).mode;
  const r = await ctx.discovery.forKind(obj.apiVersion, obj.kind);
  const ns = r.namespaced ? obj.metadata?.namespace ?? ctx.namespace : undefined;
  const printer = o.output ? objectPrinter(o.output) : undefined;
  let result = obj;
  if (mode === "client") {
    // kubectl's client dry run prints the object as generated: with the namespace only when one was asked for.
    if (r.namespaced && ctx.explicitNamespace) result = { ...obj, metadata: { ...obj.metadata, namespace: ns } };
  } else {
    try {
      result = await ctx.client.request(resourcePath(r, ns), { method: "POST", body: obj, query: { fieldManager: "kubectl-create", fieldValidation: "Strict", dryRun: mode === "server" ? "All" : undefined } });
    } catch (e) {
      throw failure ? failure(e) : e;
    }
  }
  if (printer) ctx.out(printer.print(result, [result]));
  else ctx.out(`${qualifiedName(r, obj.metadata.name)} ${verb}${mode === "client" ? " (dry run)" : mode === "server" ? " (server dry run)" : ""}\n`);
}

const run = (ctx: CtlContext, obj: object, o: OutputFlags, verb?: string) => createObject(ctx, obj, o, verb).then(() => 0);

/** kubectl's generator commands report a failed create in their own words (`failed to create configmap: …`). */
const failedTo = (prefix: string) => (e: unknown) => new Error(`${prefix}${(e as Error).message}`, { cause: e });
const runGen = (ctx: CtlContext, obj: object, o: OutputFlags, prefix: string) => createObject(ctx, obj, o, "created", failedTo(prefix)).then(() => 0);

export async function runCreateFromFiles(ctx: CtlContext, files: string[], o: OutputFlags, stdin?: () => string): Promise<number> {
  let failed = 0;
  for (const { object, source } of readManifests(files, stdin)) {
    try {
      await createObject(ctx, object, o, "created", (e) => (e instanceof StatusError ? new StatusError(e.code, e.reason, `error when creating "${source}": ${e.message}`, e.details) : (e as Error)));
    } catch (e) {
      failed++;
      ctx.err(formatError(e));
    }
  }
  return failed ? 1 : 0;
}

export async function runCreateJob(ctx: CtlContext, name: string, o: OutputFlags & { image?: string; from?: string }, command: string[]): Promise<number> {
  if (o.from) {
    const [type, src] = o.from.split("/");
    if (!src || !/^(cronjob|cronjobs|cj)(\.batch)?$/.test(type!.toLowerCase())) throw new Error(`from must be an existing cronjob: ${o.from}`);
    const cj = await ctx.client.request(`/apis/batch/v1/namespaces/${encodeURIComponent(ctx.namespace)}/cronjobs/${encodeURIComponent(src)}`);
    return runGen(ctx, gen.jobFromCronJob(name, cj), o, "failed to create job: ");
  }
  if (!o.image) throw new Error("either --image or --from must be specified");
  return runGen(ctx, gen.jobObject(name, { image: o.image, command }), o, "failed to create job: ");
}

export async function runExpose(ctx: CtlContext, args: string[], o: OutputFlags & gen.ExposeFlags, stdin?: () => string, files?: string[]): Promise<number> {
  const refs = await selectObjects(ctx, args, { filename: files }, stdin);
  let failed = 0;
  for (const ref of refs) {
    try {
      if (!["Deployment", "ReplicaSet", "ReplicationController", "Service", "Pod", "StatefulSet", "DaemonSet"].includes(ref.r.kind)) throw new Error(`cannot expose a ${ref.r.kind}`);
      const obj = { kind: ref.r.kind, ...(await ctx.client.request(pathOf(ref))) };
      await createObject(ctx, gen.serviceFor(obj, o), o, "exposed");
    } catch (e) {
      failed++;
      ctx.err(formatError(e));
    }
  }
  return failed ? 1 : 0;
}

const outputFlags = (c: Command) => c.option("--dry-run <mode>", "none, client (print only) or server").option("-o, --output <format>", "print the object (yaml, json, name, …)");

export function registerCreate(app: CtlApp): void {
  const create = outputFlags(app.verb("create"))
    .description("Create a resource from a file or from stdin, or one of the kinds below")
    .option("-f, --filename <path...>", "file, directory or - for stdin")
    .action(app.action((ctx, cmd: Command) => {
      const o = cmd.opts();
      if (!o.filename?.length) throw new Error("must specify one of -f and -k");
      return runCreateFromFiles(ctx, o.filename, o, app.deps.stdin);
    }));
  const sub = (name: string, alias?: string) => {
    const c = outputFlags(app.verb(name, create));
    return alias ? c.alias(alias) : c;
  };
  sub("namespace", "ns")
    .description("Create a namespace with the specified name")
    .argument("<name>")
    .action(app.action((ctx, cmd: Command) => run(ctx, gen.namespaceObject(cmd.args[0]!), cmd.opts())));
  sub("configmap", "cm")
    .description("Create a config map from a local file, directory or literal value")
    .argument("<name>")
    .option("--from-literal <k=v>", "a key and literal value", collect)
    .option("--from-file <[key=]path>", "a file, or every file of a directory", collect)
    .option("--from-env-file <path>", "KEY=VALUE lines", collect)
    .action(app.action((ctx, cmd: Command) => runGen(ctx, gen.configMapObject(cmd.args[0]!, gen.dataFrom(cmd.opts())), cmd.opts(), "failed to create configmap: ")));
  const secret = app.verb("secret", create).description("Create a secret (generic or tls)");
  outputFlags(app.verb("generic", secret))
    .description("Create a secret from a local file, directory, or literal value")
    .argument("<name>")
    .option("--from-literal <k=v>", "a key and literal value", collect)
    .option("--from-file <[key=]path>", "a file, or every file of a directory", collect)
    .option("--from-env-file <path>", "KEY=VALUE lines", collect)
    .option("--type <type>", "the secret's type")
    .action(app.action((ctx, cmd: Command) => runGen(ctx, gen.secretObject(cmd.args[0]!, gen.dataFrom(cmd.opts()), cmd.opts().type), cmd.opts(), "failed to create secret ")));
  outputFlags(app.verb("tls", secret))
    .description("Create a TLS secret from a certificate and its key")
    .argument("<name>")
    .requiredOption("--cert <file>", "PEM certificate")
    .requiredOption("--key <file>", "PEM private key")
    .action(app.action((ctx, cmd: Command) => {
      const o = cmd.opts();
      return runGen(ctx, gen.tlsSecretObject(cmd.args[0]!, readFileSync(o.cert), readFileSync(o.key)), o, "failed to create secret ");
    }));
  sub("deployment", "deploy")
    .description("Create a deployment with the specified name")
    .argument("<name>")
    .argument("[command...]", "the first container's command, after --")
    .option("--image <image>", "container image (repeatable: one container each)", collect)
    .option("-r, --replicas <n>", "number of replicas", (v) => parseInt(v, 10))
    .option("--port <port>", "the first container's port", (v) => parseInt(v, 10))
    .action(app.action((ctx, cmd: Command) => {
      const o = cmd.opts();
      if (!o.image?.length) throw new Error("required flag(s) \"image\" not set");
      return runGen(ctx, gen.deploymentObject(cmd.args[0]!, { images: o.image, replicas: o.replicas, port: o.port, command: cmd.args.slice(1) }), o, "failed to create deployment: ");
    }));
  sub("job")
    .description("Create a job with the specified name")
    .argument("<name>")
    .argument("[command...]", "the container's command, after --")
    .option("--image <image>", "container image")
    .option("--from <cronjob>", "cronjob/NAME to make the job from")
    .action(app.action((ctx, cmd: Command) => runCreateJob(ctx, cmd.args[0]!, cmd.opts(), cmd.args.slice(1))));
  sub("cronjob", "cj")
    .description("Create a cron job with the specified name")
    .argument("<name>")
    .argument("[command...]", "the container's command, after --")
    .requiredOption("--image <image>", "container image")
    .requiredOption("--schedule <cron>", "the schedule in cron format")
    .option("--restart <policy>", "OnFailure (default) or Never")
    .action(app.action((ctx, cmd: Command) => {
      const o = cmd.opts();
      return runGen(ctx, gen.cronJobObject(cmd.args[0]!, { image: o.image, schedule: o.schedule, restart: o.restart, command: cmd.args.slice(1) }), o, "failed to create cronjob: ");
    }));

  outputFlags(app.verb("run"))
    .description("Create and run a particular image in a pod")
    .argument("<name>")
    .argument("[args...]", "arguments (or, with --command, the command), after --")
    .requiredOption("--image <image>", "container image")
    .option("-l, --labels <k=v,…>", "labels (default run=NAME)")
    .option("--env <k=v>", "environment variable", collect)
    .option("--port <port>", "container port", (v) => parseInt(v, 10))
    .option("--restart <policy>", "Always (default), OnFailure or Never")
    .option("--command", "the arguments are the command, not args")
    .option("--image-pull-policy <policy>", "Always, IfNotPresent or Never")
    .action(app.action((ctx, cmd: Command) => {
      const o = cmd.opts();
      return run(ctx, gen.podObject(cmd.args[0]!, { ...(o as gen.RunFlags), args: cmd.args.slice(1) }), o);
    }));

  outputFlags(app.verb("expose"))
    .description("Take a replication controller, service, deployment or pod and expose it as a new Kubernetes service")
    .argument("[resources...]", "TYPE NAME or TYPE/NAME")
    .option("-f, --filename <path...>", "objects from files")
    .option("--port <port>", "the service's port(s), comma-separated")
    .option("--target-port <port>", "the port (or its name) on the pods")
    .option("--protocol <proto>", "TCP (default), UDP or SCTP")
    .option("--type <type>", "ClusterIP, NodePort, LoadBalancer or ExternalName")
    .option("--name <name>", "the service's name (default: the object's)")
    .option("--selector <k=v,…>", "the service's selector (default: the object's)")
    .option("--cluster-ip <ip>", "the ClusterIP to ask for")
    .option("--external-ip <ip>", "an external IP to accept traffic on")
    .option("-l, --labels <k=v,…>", "the service's labels")
    .action(app.action((ctx, cmd: Command) => runExpose(ctx, cmd.args, cmd.opts(), app.deps.stdin, cmd.opts().filename)));
}
