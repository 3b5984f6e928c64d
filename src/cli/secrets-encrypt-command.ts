/** `k3rs secrets-encrypt status`: is the store's Secrets encryption on, with which key, and how are the values written. */
import type { Command } from "commander";

export function registerSecretsEncryptCommand(program: Command): void {
  const cmd = program.command("secrets-encrypt").description("Secrets encryption at rest");
  cmd
    .command("status")
    .description("Print the encryption status, the active key and how the stored values are encrypted")
    .option("--data-dir <dir>", "the server's data dir", "/var/lib/k3rs")
    .action(async (opts: { dataDir: string }) => {
      const { secretsEncryptionStatus } = await import("../server/secrets-encryption.ts");
      try {
        process.stdout.write(secretsEncryptionStatus(opts.dataDir));
      } catch (e) {
        console.error(`k3rs secrets-encrypt: ${(e as Error).message}`);
        process.exit(1);
      }
    });
}
