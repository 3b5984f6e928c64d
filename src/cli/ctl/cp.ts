/**
 * `k3rs ctl cp`: files into and out of a container the way kubectl does it — a tar stream
 * through exec (`tar -xmf - -C DIR` in, `tar cf - PATH` out), so the image needs a `tar`.
 */
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join, posix, relative } from "node:path";
import { PassThrough, Writable } from "node:stream";
import type { Command } from "commander";
import tar from "tar-stream";
import type { CtlApp, Terminal } from "./command.ts";
import type { CtlContext } from "./context.ts";
import { defaultContainer } from "./pod-target.ts";
import { runRemoteCommand } from "./remote-command.ts";

interface RemoteSpec {
  namespace?: string;
  pod: string;
  path: string;
}

/** `[ns/]pod:path`, or undefined for a local path. */
export function parseRemote(arg: string): RemoteSpec | undefined {
  const colon = arg.indexOf(":");
  if (colon <= 0) return undefined;
  const head = arg.slice(0, colon);
  const path = arg.slice(colon + 1);
  const slash = head.indexOf("/");
  return slash < 0 ? { pod: head, path } : { namespace: head.slice(0, slash), pod: head.slice(slash + 1), path };
}

/** Runs `command` in the container with `stdin` bytes; resolves its stdout bytes (stderr passes through). */
async function execCapture(ctx: CtlContext, ns: string, pod: string, container: string, command: string[], stdin?: Buffer, stderr?: NodeJS.WriteStream): Promise<Buffer> {
  stderr ??= process.stderr;
  const input = new PassThrough();
  const chunks: Buffer[] = [];
  const out = new Writable({ write: (c, _e, cb) => (chunks.push(Buffer.from(c)), cb()) });
  const q = new URLSearchParams();
  for (const c of command) q.append("command", c);
  q.set("container", container);
  if (stdin) q.set("stdin", "true");
  q.set("stdout", "true");
  q.set("stderr", "true");
  if (stdin) input.end(stdin);
  const term = { stdin: input, stdout: out, stderr } as unknown as Terminal;
  await runRemoteCommand(ctx, `/api/v1/namespaces/${encodeURIComponent(ns)}/pods/${encodeURIComponent(pod)}/exec`, q, { stdin: !!stdin, tty: false, terminal: term });
  return Buffer.concat(chunks);
}

async function containerOf(ctx: CtlContext, ns: string, pod: string, container?: string): Promise<string> {
  if (container) return container;
  const p = await ctx.client.request(`/api/v1/namespaces/${encodeURIComponent(ns)}/pods/${encodeURIComponent(pod)}`);
  const d = defaultContainer(p);
  if (d.note) ctx.err(d.note);
  return d.name;
}

/** A tar of `src` (a file or a directory tree) with its entries under `name`. */
async function makeTar(src: string, name: string): Promise<Buffer> {
  const pack = tar.pack();
  const add = (path: string, entry: string) => {
    const st = statSync(path);
    if (st.isDirectory()) {
      pack.entry({ name: `${entry}/`, type: "directory", mode: st.mode & 0o7777, mtime: st.mtime });
      for (const f of readdirSync(path).sort()) add(join(path, f), posix.join(entry, f));
    } else pack.entry({ name: entry, mode: st.mode & 0o7777, mtime: st.mtime, size: st.size }, readFileSync(path));
  };
  add(src, name);
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** Unpacks `data` into `dest`, the entries' leading `prefix` replaced by `dest` (kubectl's untarAll). */
async function untar(data: Buffer, prefix: string, dest: string): Promise<void> {
  const extract = tar.extract();
  const done = new Promise<void>((resolve, reject) => {
    extract.on("entry", (header, stream, next) => {
      const name = header.name.replace(/^\/+/, "");
      const rel = relative(prefix, name);
      // Nothing outside the destination, whatever the archive says.
      if (rel.startsWith("..")) {
        stream.resume();
        stream.on("end", next);
        return;
      }
      const target = rel ? join(dest, rel) : dest;
      if (header.type === "directory") {
        mkdirSync(target, { recursive: true });
        stream.resume();
        stream.on("end", next);
        return;
      }
      const parts: Buffer[] = [];
      stream.on("data", (c: unknown) => parts.push(c as Buffer));
      stream.on("end", () => {
        mkdirSync(dirname(target), { recursive: true });
        writeFileSync(target, Buffer.concat(parts), { mode: header.mode });
        next();
      });
    });
    extract.on("finish", resolve);
    extract.on("error", reject);
  });
  extract.end(data);
  await done;
}

export async function runCp(ctx: CtlContext, args: string[], o: { container?: string }, stderr?: NodeJS.WriteStream): Promise<number> {
  if (args.length !== 2) throw new Error("source and destination are required");
  const [src, dst] = args as [string, string];
  const from = parseRemote(src);
  const to = parseRemote(dst);
  if (from && to) throw new Error("one of src or dest must be a local file specification");
  if (!from && !to) throw new Error("one of src or dest must be a remote file specification");
  if (to) {
    const ns = to.namespace ?? ctx.namespace;
    const container = await containerOf(ctx, ns, to.pod, o.container);
    try {
      statSync(src);
    } catch {
      throw new Error(`${src} doesn't exist in local filesystem`);
    }
    let destDir = posix.dirname(to.path);
    let name = posix.basename(to.path);
    // A destination that is a directory in the container takes the source's name inside it.
    const quiet = { write: () => true } as unknown as NodeJS.WriteStream;
    const isDir = await execCapture(ctx, ns, to.pod, container, ["test", "-d", to.path], undefined, quiet).then(() => true, () => false);
    if (isDir || to.path.endsWith("/")) {
      destDir = to.path;
      name = basename(src);
    }
    await execCapture(ctx, ns, to.pod, container, ["tar", "-xmf", "-", "-C", destDir || "/"], await makeTar(src, name), stderr);
    return 0;
  }
  const ns = from!.namespace ?? ctx.namespace;
  const container = await containerOf(ctx, ns, from!.pod, o.container);
  // kubectl neither shows the remote tar's complaints nor fails on its exit code here; nor do we.
  const quiet = { write: () => true } as unknown as NodeJS.WriteStream;
  const data = await execCapture(ctx, ns, from!.pod, container, ["tar", "cf", "-", from!.path], undefined, quiet).catch(() => Buffer.alloc(0));
  await untar(data, from!.path.replace(/^\/+/, "").replace(/\/+$/, ""), dst);
  return 0;
}

export function registerCp(app: CtlApp): void {
  app
    .verb("cp")
    .description("Copy files and directories to and from containers")
    .argument("<src>", "local path or [NAMESPACE/]POD:PATH")
    .argument("<dest>", "local path or [NAMESPACE/]POD:PATH")
    .option("-c, --container <name>", "container name (default: the pod's default container)")
    .action(app.action((ctx, cmd: Command) => runCp(ctx, cmd.args, cmd.opts(), app.deps.terminal?.stderr)));
}
