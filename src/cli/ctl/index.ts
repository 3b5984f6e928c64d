/** `k3rs ctl`: the everyday kubectl subset, built in. Each verb lives in its own file. */
import type { Command } from "commander";
import { collect, makeApp, withGlobals, type CtlDeps } from "./command.ts";
import { VERBS } from "./verbs.ts";
import { runApplyServerSide } from "./more.ts";
import { runGet } from "./get.ts";
import { runApply } from "./apply.ts";
import { runDelete } from "./delete.ts";
import { runDescribe } from "./describe.ts";
import { runVersion } from "./version.ts";
import { runImageExport, runImageImport, runImageLs, runImageRm, stderrProgress } from "./image.ts";
import { parseProgressMode } from "./progress/progress-reporter.ts";

export type { CtlDeps } from "./command.ts";

export function registerCtlCommand(program: Command, deps: CtlDeps = {}): void {
  // `k3rs kubectl` as K3s has `k3s kubectl`: the same command under kubectl's name.
  const ctl = withGlobals(program.command("ctl").alias("kubectl").description("Manage the cluster: the everyday kubectl, built in (also `k3rs kubectl`)"));
  const app = makeApp(ctl, deps);
  const { verb, action } = app;

  verb("get")
    .description("Display one or many resources")
    .argument("[resources...]", "TYPE[,TYPE] [NAME...] or TYPE/NAME ...")
    .option("-o, --output <format>", "wide|yaml|json|name|jsonpath=…|jsonpath-file=…|custom-columns=…|custom-columns-file=…")
    .option("-A, --all-namespaces", "list across all namespaces")
    .option("-l, --selector <selector>", "label selector")
    .option("--field-selector <selector>", "field selector")
    .option("--show-labels", "show labels as the last column")
    .option("--no-headers", "omit the header line")
    .option("-w, --watch", "after listing, watch for changes")
    .option("--watch-only", "watch for changes without listing first")
    .option("--output-watch-events", "print the watch event type (ADDED, MODIFIED, DELETED) of each change")
    .option("--show-managed-fields", "keep metadata.managedFields when printing objects as JSON or YAML")
    .option("-L, --label-columns <keys>", "label keys to show as columns (comma-separated, repeatable)", collect)
    .option("--ignore-not-found", "treat a missing object as no output, not an error")
    .option("--show-kind", "name rows kind/name even for one resource type")
    .option("--sort-by <jsonpath>", "sort by a field of the objects (e.g. .metadata.name, {.status.startTime})")
    .action(action((ctx, cmd) => {
      const o = cmd.opts();
      return runGet(ctx, cmd.args, { sortBy: o.sortBy, labelColumns: o.labelColumns, ignoreNotFound: o.ignoreNotFound, showKind: o.showKind, showManagedFields: o.showManagedFields, output: o.output, allNamespaces: o.allNamespaces, selector: o.selector, fieldSelector: o.fieldSelector, showLabels: o.showLabels, noHeaders: o.headers === false, watch: o.watch, watchOnly: o.watchOnly, outputWatchEvents: o.outputWatchEvents });
    }));

  verb("apply")
    .description("Apply a configuration from files, directories or stdin (-f -)")
    .requiredOption("-f, --filename <path...>", "file, directory or - for stdin")
    .option("--dry-run <mode>", "none, client (send nothing) or server (validate, store nothing)")
    .option("--server-side", "apply on the server (apply patches, field managers)")
    .option("--force-conflicts", "with --server-side: take over fields other managers own")
    .option("--field-manager <name>", "with --server-side: the manager's name (default kubectl)")
    .action(action((ctx, cmd) => {
      const o = cmd.opts();
      if (o.serverSide) return runApplyServerSide(ctx, o.filename, o, deps.stdin);
      return runApply(ctx, o.filename, { dryRun: o.dryRun }, deps.stdin);
    }));

  verb("delete")
    .description("Delete resources by name, file, label selector or --all")
    .argument("[resources...]", "TYPE NAME... or TYPE/NAME")
    .option("-f, --filename <path...>", "file, directory or - for stdin")
    .option("-l, --selector <selector>", "label selector")
    .option("--all", "delete all of the type in the namespace")
    .option("--wait <bool>", "wait until the objects are gone (default true)", "true")
    .option("--grace-period <seconds>", "seconds to give the object to terminate")
    .option("--ignore-not-found", "treat NotFound as success")
    .option("--cascade <mode>", "background (default), foreground or orphan")
    .option("--now", "signal the objects to shut down at once (grace period 1)")
    .option("--force", "with --grace-period=0: delete without waiting for the node")
    .option("--dry-run <mode>", "none, client (send nothing) or server (validate, delete nothing)")
    .action(action((ctx, cmd) => {
      const o = cmd.opts();
      return runDelete(ctx, cmd.args, { filename: o.filename, selector: o.selector, all: o.all, wait: o.wait !== "false", gracePeriod: o.gracePeriod === undefined ? undefined : Number(o.gracePeriod), ignoreNotFound: o.ignoreNotFound, cascade: o.cascade, now: o.now, force: o.force, dryRun: o.dryRun }, deps.stdin);
    }));

  verb("describe")
    .description("Show details of a resource and its events")
    .argument("<resources...>", "TYPE [NAME...] or TYPE/NAME")
    .action(action((ctx, cmd) => runDescribe(ctx, cmd.args)));

  const image = withGlobals(ctl.command("image").description("Manage the cluster image store: archives sent to every node (import, export, ls, rm)"));
  withGlobals(image.command("import"))
    .description("Send image archives (OCI layout or docker-archive tarballs, plain or gzipped) to every node, including nodes that join later")
    .argument("<files...>", "archive files")
    .option("--progress <mode>", "auto (a bar on a terminal, else nothing), tty, plain (a line a second) or none", "auto")
    .action(action((ctx, cmd) => runImageImport(ctx, cmd.args, stderrProgress(parseProgressMode(cmd.opts().progress)))));
  withGlobals(image.command("export"))
    .description("Write an image's archive, as it was imported, to a file or to stdout")
    .argument("<image>", "a name the image carries, or its digest (full or as printed by image ls)")
    .option("-o, --output <file>", "the archive file (default stdout, when it is not a terminal)")
    .option("--progress <mode>", "auto (a bar on a terminal, else nothing), tty, plain (a line a second) or none", "auto")
    .action(action((ctx, cmd) => runImageExport(ctx, cmd.args[0]!, { output: cmd.opts().output }, stderrProgress(parseProgressMode(cmd.opts().progress)))));
  withGlobals(image.command("ls"))
    .description("List the cluster's images and on how many nodes each is present")
    .option("-o, --output <format>", "json")
    .action(action((ctx, cmd) => runImageLs(ctx, { output: cmd.opts().output })));
  withGlobals(image.command("rm"))
    .description("Remove images from the cluster image store (nodes keep what they imported)")
    .argument("<digests...>", "digests, full or as printed by image ls")
    .action(action((ctx, cmd) => runImageRm(ctx, cmd.args)));

  verb("version")
    .description("Print the client and server versions")
    .action(action((ctx) => runVersion(ctx)));

  for (const register of VERBS) register(app);
}
