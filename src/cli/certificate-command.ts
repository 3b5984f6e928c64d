/** `k3rs certificate check|rotate` (K3s' `k3s certificate`): run on the server's machine; rotate while it is stopped. */
import type { Command } from "commander";

export function registerCertificateCommand(program: Command): void {
  const cmd = program.command("certificate").description("Certificates of this machine's data dir");
  cmd
    .command("check")
    .description("List every certificate with its expiry; warn inside the last 90 days (exit 1 when one has expired or is unreadable)")
    .option("--data-dir <dir>", "the data dir", "/var/lib/k3rs")
    .action(async (opts: { dataDir: string }) => {
      const { checkCertificates, formatCertificateCheck } = await import("../pki/certificate-check.ts");
      const list = checkCertificates(opts.dataDir);
      process.stdout.write(formatCertificateCheck(list));
      if (list.some((c) => c.state === "expired" || c.state === "unreadable")) process.exit(1);
    });
  cmd
    .command("rotate")
    .description("Remove the server's serving and admin certificates; the next start issues new ones from the same CA and rewrites the kubeconfig")
    .option("--data-dir <dir>", "the data dir", "/var/lib/k3rs")
    .action(async (opts: { dataDir: string }) => {
      const { rotateServerLeaves } = await import("../pki/certificate-check.ts");
      const removed = rotateServerLeaves(opts.dataDir);
      console.log(removed.length ? `removed ${removed.join(", ")}; start the server to issue new certificates` : "no server certificates found");
    });
}
