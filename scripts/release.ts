/**
 * `npm run release`: builds the executable for linux/amd64 and writes what a web server needs
 * to offer `curl -sfL URL/install.sh | INSTALL_K3RS_DOWNLOAD_URL=URL sh -`:
 *
 *   dist/k3rs            the executable (version and commit stamped in: `k3rs --version`)
 *   dist/install.sh      the installer
 *   dist/sha256sum.txt   `sha256sum -c` lines for both; the installer refuses a download that differs
 */
import { $ } from "bun";
import { chmodSync, copyFileSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const root = join(import.meta.dir, "..");
const dist = join(root, "dist");

await $`bun ${join(root, "build.ts")} --target=bun-linux-x64`.cwd(root);
rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });
copyFileSync(join(root, "bin", "k3rs"), join(dist, "k3rs"));
copyFileSync(join(root, "install.sh"), join(dist, "install.sh"));
chmodSync(join(dist, "k3rs"), 0o755);
chmodSync(join(dist, "install.sh"), 0o755);

const lines: string[] = [];
for (const name of ["k3rs", "install.sh"]) {
  const hash = new Bun.CryptoHasher("sha256").update(await Bun.file(join(dist, name)).arrayBuffer()).digest("hex");
  lines.push(`${hash}  ${name}`);
}
writeFileSync(join(dist, "sha256sum.txt"), lines.join("\n") + "\n");
const version = (await $`${join(dist, "k3rs")} --version`.quiet().text()).trim();
console.log(`dist/: k3rs (${version}), install.sh, sha256sum.txt`);
