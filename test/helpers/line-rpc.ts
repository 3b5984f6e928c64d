/**
 * JSON-lines RPC between a test and a child process it runs in a network namespace
 * (`nsenter --net=…`): the test writes `{id, op, args}` lines to the child's stdin, the
 * child answers `{id, ok, result | error}` on stdout. Children end when stdin closes.
 */
import type { Subprocess } from "bun";

export interface RpcChild {
  pid: number;
  call<T = any>(op: string, args?: Record<string, unknown>): Promise<T>;
  stop(): Promise<void>;
}

export function spawnRpcChild(argv: string[], env: Record<string, string | undefined> = process.env): RpcChild {
  const proc: Subprocess<"pipe", "pipe", "inherit"> = Bun.spawn(argv, { stdin: "pipe", stdout: "pipe", stderr: "inherit", env });
  const waiting = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();
  let next = 1;
  let dead: Error | undefined;
  (async () => {
    const dec = new TextDecoder();
    let buf = "";
    for await (const chunk of proc.stdout) {
      buf += dec.decode(chunk, { stream: true });
      let i: number;
      while ((i = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        let msg: any;
        try {
          msg = JSON.parse(line);
        } catch {
          continue; // not ours (a library printing to stdout)
        }
        const w = waiting.get(msg.id);
        if (!w) continue;
        waiting.delete(msg.id);
        if (msg.ok) w.resolve(msg.result);
        else w.reject(new Error(`${argv.at(-1)}: ${msg.error}`));
      }
    }
    dead = new Error(`child ${proc.pid} exited (${await proc.exited})`);
    for (const w of waiting.values()) w.reject(dead);
    waiting.clear();
  })();
  return {
    pid: proc.pid,
    call(op, args = {}) {
      if (dead) return Promise.reject(dead);
      const id = next++;
      return new Promise((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        proc.stdin.write(JSON.stringify({ id, op, args }) + "\n");
        proc.stdin.flush();
      });
    },
    async stop() {
      try {
        proc.stdin.end();
      } catch {
        // already closed
      }
      const t = setTimeout(() => proc.kill("SIGKILL"), 5000);
      await proc.exited;
      clearTimeout(t);
    },
  };
}

/** The child's side: serves `handlers` on stdin/stdout until stdin closes, then runs `onEnd`. */
export async function serveRpc(handlers: Record<string, (args: any) => unknown>, onEnd?: () => unknown): Promise<void> {
  const dec = new TextDecoder();
  let buf = "";
  const reply = (m: unknown) => process.stdout.write(JSON.stringify(m) + "\n");
  for await (const chunk of Bun.stdin.stream()) {
    buf += dec.decode(chunk, { stream: true });
    let i: number;
    while ((i = buf.indexOf("\n")) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      if (!line.trim()) continue;
      const { id, op, args } = JSON.parse(line);
      const h = handlers[op];
      if (!h) {
        reply({ id, ok: false, error: `unknown op ${op}` });
        continue;
      }
      // Each call runs on its own so a slow one (a 64 MiB download) does not hold the others.
      Promise.resolve()
        .then(() => h(args))
        .then(
          (result) => reply({ id, ok: true, result: result ?? null }),
          (err) => reply({ id, ok: false, error: (err as Error)?.stack ?? String(err) }),
        );
    }
  }
  await onEnd?.();
}
