/**
 * `k3rs secrets-encrypt status|rotate-keys|reencrypt` (K3s' verbs of the same names): asks the
 * running server at `/v1-k3rs/encrypt/*` with the admin kubeconfig the server wrote
 * (`<data-dir>/server/cred/admin.kubeconfig`, or `--kubeconfig`). rotate-keys and reencrypt
 * follow the server's pass and print its progress until it ends; exit 1 when it fails or the
 * server cannot be reached. `status --offline` reads the data dir instead, server up or not.
 *
 * K3s' prepare/rotate/enable/disable are not here: a key set changes online (no restarts to
 * order), and encryption is always on.
 */
import type { Command } from "commander";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { defaultDataDir } from "../config/server-config.ts";
import { loadKubeconfig } from "../client/kubeconfig.ts";
import { RestClient, type Fetcher } from "../client/rest-client.ts";
import { ENCRYPT_REENCRYPT_PATH, ENCRYPT_ROTATE_KEYS_PATH, ENCRYPT_STATUS_PATH, type EncryptionStatus } from "../model/encryption-status.ts";
import { formatEncryptionStatus } from "./encryption-status-text.ts";
import { sleep } from "../lib/sleep.ts";

export interface SecretsEncryptDeps {
  out?: (text: string) => void;
  err?: (text: string) => void;
  exit?: (code: number) => void;
  isRoot?: boolean;
  /** How often a pass's progress is asked for. Default 500 ms. */
  pollMs?: number;
  /** Tests hand in one that calls an app in-process. */
  fetcher?: Fetcher;
}

interface ServerOptions {
  dataDir?: string;
  kubeconfig?: string;
  server?: string;
}

export function registerSecretsEncryptCommand(program: Command, deps: SecretsEncryptDeps = {}): void {
  const out = deps.out ?? ((t) => process.stdout.write(t));
  const err = deps.err ?? ((t) => process.stderr.write(t));
  const exit = deps.exit ?? ((c) => process.exit(c));
  const isRoot = deps.isRoot ?? process.getuid?.() === 0;
  const pollMs = deps.pollMs ?? 500;

  const client = (o: ServerOptions): RestClient => {
    const path = o.kubeconfig ?? join(o.dataDir ?? defaultDataDir(isRoot), "server", "cred", "admin.kubeconfig");
    if (!existsSync(path)) throw new Error(`no kubeconfig at ${path}: run this on the server (with its --data-dir) or give --kubeconfig`);
    const cfg = loadKubeconfig(path);
    return new RestClient(o.server ? { ...cfg, server: o.server } : cfg, deps.fetcher);
  };
  const run = (fn: (o: any) => Promise<number>) => async (o: any) => {
    let code: number;
    try {
      code = await fn(o);
    } catch (e) {
      err(`k3rs secrets-encrypt: ${e instanceof Error ? e.message : String(e)}\n`);
      code = 1;
    }
    exit(code);
  };
  const serverFlags = (c: Command) =>
    c
      .option("-d, --data-dir <dir>", "the server's data dir (default /var/lib/k3rs as root, ~/.k3rs otherwise)")
      .option("--kubeconfig <path>", "a cluster admin's kubeconfig (default <data-dir>/server/cred/admin.kubeconfig)")
      .option("-s, --server <url>", "the server's URL (default the kubeconfig's)");

  const cmd = program.command("secrets-encrypt").description("Secrets encryption at rest: status, key rotation, re-encryption");

  serverFlags(cmd.command("status"))
    .description("Print the encryption status, the rotation stage and the keys")
    .option("-o, --output <format>", "text or json", "text")
    .option("--offline", "read the data dir instead of asking the server")
    .action(
      run(async (o: ServerOptions & { output: string; offline?: boolean }) => {
        if (o.output !== "text" && o.output !== "json") throw new Error(`unknown output format ${JSON.stringify(o.output)}: text or json`);
        if (o.offline) {
          const { offlineEncryptionStatus } = await import("../server/secrets-encryption.ts");
          const found = offlineEncryptionStatus(o.dataDir ?? defaultDataDir(isRoot));
          if (!found) out(o.output === "json" ? "{}\n" : "Encryption Status: Disabled, no configuration file found\n");
          else out(o.output === "json" ? JSON.stringify({ ...found.status, storedValues: found.storedValues }, null, 2) + "\n" : formatEncryptionStatus(found.status, found.storedValues));
          return 0;
        }
        const status = await client(o)
          .request<EncryptionStatus>(ENCRYPT_STATUS_PATH)
          .catch((e: Error) => {
            throw e.message.startsWith("cannot reach") ? new Error(`${e.message} (--offline reads the data dir without the server)`, { cause: e }) : e;
          });
        out(o.output === "json" ? JSON.stringify(status, null, 2) + "\n" : formatEncryptionStatus(status));
        return 0;
      }),
    );

  const pass = (path: string, started: string) => async (o: ServerOptions & { wait: boolean }) => {
    const c = client(o);
    const first = await c.request<EncryptionStatus>(path, { method: "POST" });
    out(`${started}\n`);
    if (!o.wait) return 0;
    return follow(c, first, { out, pollMs });
  };
  serverFlags(cmd.command("rotate-keys"))
    .description("Make a new key the write key, re-encrypt every value under it while the server serves, then retire the old keys")
    .option("--no-wait", "return once the re-encryption has started")
    .action(run(pass(ENCRYPT_ROTATE_KEYS_PATH, "keys rotated, reencryption started")));
  serverFlags(cmd.command("reencrypt"))
    .description("Re-encrypt every value under the active key, then retire the keys no value uses")
    .option("--no-wait", "return once the re-encryption has started")
    .action(run(pass(ENCRYPT_REENCRYPT_PATH, "reencryption started")));
}

/** Polls the status until the pass that `first` began ends; prints each change of progress. 0 when it finished. */
async function follow(c: RestClient, first: EncryptionStatus, o: { out(t: string): void; pollMs: number }): Promise<number> {
  let status = first;
  let shown = "";
  for (;;) {
    const r = status.reencrypt;
    const line = r ? `reencrypted ${r.done}/${r.total}` : "";
    if (line && line !== shown) o.out(`${(shown = line)}\n`);
    if (status.stage !== "reencrypt_active") break;
    await sleep(o.pollMs);
    try {
      status = await c.request<EncryptionStatus>(ENCRYPT_STATUS_PATH);
    } catch (cause) {
      throw new Error(`lost the server during the re-encryption (its next start resumes it; see \`k3rs secrets-encrypt status\`): ${(cause as Error).message}`, { cause });
    }
  }
  if (status.stage !== "reencrypt_finished") throw new Error(`reencryption failed: ${status.error ?? `stage ${status.stage}`}`);
  o.out(`reencryption finished: ${status.reencrypt?.done ?? 0} values under key ${status.activeKey}${status.inactiveKeys.length ? `; still configured: ${status.inactiveKeys.join(", ")}` : ", old keys retired"}\n`);
  return 0;
}
