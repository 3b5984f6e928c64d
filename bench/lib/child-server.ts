/**
 * A benchmark's helper server in a process of its own (so its CPU is its own and it does not
 * share the benchmark's thread): a Bun script written to a temporary directory with its input
 * files, started with this Bun, ready once it prints `port N`.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface ChildServer {
  port: number;
  pid: number;
  stop(): Promise<void>;
}

/** `files` are written beside the script (keys ending in _KEY owner-only) and passed to it as environment variables holding their paths. */
export async function startChildServer(script: string, files: Record<string, string | Uint8Array>): Promise<ChildServer> {
  const dir = mkdtempSync(join(tmpdir(), "k3rs-bench-child-"));
  const env: Record<string, string> = {};
  for (const [name, content] of Object.entries(files)) {
    env[name] = join(dir, name.toLowerCase());
    writeFileSync(env[name]!, content, { mode: name.endsWith("_KEY") ? 0o600 : 0o644 });
  }
  const path = join(dir, "server.ts");
  writeFileSync(path, script);
  const proc = Bun.spawn([process.execPath, path], { stdout: "pipe", stderr: "inherit", env: { ...process.env, ...env } });
  const reader = (proc.stdout as ReadableStream<Uint8Array>).getReader();
  let out = "";
  while (!/port (\d+)\n/.test(out)) {
    const { value, done } = await reader.read();
    if (done) {
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`the helper server exited: ${out}`);
    }
    out += new TextDecoder().decode(value);
  }
  reader.releaseLock();
  return {
    port: Number(/port (\d+)\n/.exec(out)![1]),
    pid: proc.pid,
    async stop() {
      proc.kill();
      await proc.exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
