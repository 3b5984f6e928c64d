/**
 * Litestream as a supervised child of the server: `litestream replicate -config FILE`,
 * restarted with back-off whenever it exits while the server runs, stopped with SIGTERM (it
 * makes a last sync; 0.3.13 then exits 1) after the store is closed.
 *
 * It must not outlive the server: an orphan would go on shipping a database nobody writes,
 * or one a later server restored anew. `setpriv --pdeathsig TERM` (util-linux, on every
 * Debian) has the kernel send it SIGTERM when the server dies, even by SIGKILL — measured:
 * the child went within a second of a `kill -9` of its parent.
 *
 * Lifecycle:   start() ─spawn─▶ running ─exit─▶ wait (1 s, doubling to 30 s) ─▶ spawn …
 *              stop()  ─SIGTERM─▶ exited (SIGKILL after 10 s)
 */
import { existsSync } from "node:fs";
import { log } from "../../log.ts";
import { sleep } from "../../lib/sleep.ts";

const SETPRIV = ["/usr/bin/setpriv", "/bin/setpriv"].find((p) => existsSync(p));

export interface LitestreamProcessOptions {
  binary: string;
  configPath: string;
  /** Told of every start (restarts counted from the second one). */
  onStart?: (pid: number, restarts: number) => void;
  onExit?: (code: number | null) => void;
  /** Back-off after an exit; tests shorten it. */
  restartDelayMs?: number;
  maxRestartDelayMs?: number;
}

export class LitestreamProcess {
  private child?: ReturnType<typeof Bun.spawn>;
  private readonly stopping = new AbortController();
  private loop?: Promise<void>;
  restarts = 0;

  constructor(private readonly o: LitestreamProcessOptions) {}

  private running = false;

  /** The running Litestream's PID (exitCode alone cannot tell: it stays null after a signal). */
  get pid(): number | undefined {
    return this.running ? this.child?.pid : undefined;
  }

  start(): void {
    this.loop ??= this.supervise();
  }

  private async supervise(): Promise<void> {
    let delay = this.o.restartDelayMs ?? 1000;
    const max = this.o.maxRestartDelayMs ?? 30_000;
    for (let n = 0; !this.stopping.signal.aborted; n++) {
      const started = Date.now();
      const child = Bun.spawn([...(SETPRIV ? [SETPRIV, "--pdeathsig", "TERM"] : []), this.o.binary, "replicate", "-config", this.o.configPath], {
        stdin: "ignore",
        stdout: "pipe",
        stderr: "pipe",
      });
      this.child = child;
      this.running = true;
      if (n > 0) this.restarts++;
      this.o.onStart?.(child.pid, this.restarts);
      void relayLines(child.stdout as ReadableStream<Uint8Array>);
      void relayLines(child.stderr as ReadableStream<Uint8Array>);
      const code = await child.exited;
      this.running = false;
      this.o.onExit?.(code);
      if (this.stopping.signal.aborted) return;
      log.warn("litestream exited; restarting it", { code, restartInMs: delay });
      await sleep(delay, this.stopping.signal);
      // A run that lasted a while resets the back-off; one that dies at once doubles it.
      delay = Date.now() - started > 60_000 ? (this.o.restartDelayMs ?? 1000) : Math.min(max, delay * 2);
    }
  }

  /** SIGTERM (Litestream syncs what it has), SIGKILL after timeoutMs; resolves once it is gone. */
  async stop(timeoutMs = 10_000): Promise<void> {
    this.stopping.abort();
    const child = this.child;
    if (child && this.running) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
      await child.exited;
      clearTimeout(timer);
    }
    await this.loop;
  }
}

/** Litestream's log lines into ours, at debug: they name the replica, never its keys. */
async function relayLines(stream: ReadableStream<Uint8Array>): Promise<void> {
  const decoder = new TextDecoder();
  let rest = "";
  try {
    for await (const chunk of stream) {
      const lines = (rest + decoder.decode(chunk, { stream: true })).split("\n");
      rest = lines.pop()!;
      for (const line of lines) if (line.trim()) log.debug("litestream", { line });
    }
  } catch {
    // the pipe closes with the process
  }
}

/**
 * `litestream restore -if-replica-exists -if-db-not-exists`: on a box whose database is
 * missing, fetches the latest state from the replica; does nothing when there is a database
 * or no replica. Returns whether a database was restored.
 */
export async function restoreFromReplica(binary: string, configPath: string, dbPath: string, timeoutMs = 300_000): Promise<boolean> {
  if (existsSync(dbPath)) return false;
  const p = Bun.spawn([binary, "restore", "-config", configPath, "-if-replica-exists", "-if-db-not-exists", dbPath], { stdout: "pipe", stderr: "pipe" });
  const timer = setTimeout(() => p.kill("SIGKILL"), timeoutMs);
  const [out, err] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text()]);
  const code = await p.exited;
  clearTimeout(timer);
  if (code !== 0) throw new Error(`litestream restore exited with ${code}: ${(err || out).trim().slice(-2000)}`);
  return existsSync(dbPath);
}
