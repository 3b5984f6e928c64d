/**
 * Builds the OCI archives e2e tests import (test/images/busybox.tar, test/images/pause.tar)
 * from this machine's /bin/busybox (Debian's busybox-static); skips what is up to date.
 * Usage: `bun scripts/build-test-images.ts [--force] [--busybox PATH]`.
 */
import { ensureTestImages } from "../test/helpers/test-images.ts";

const args = process.argv.slice(2);
const at = args.indexOf("--busybox");
const images = await ensureTestImages({ force: args.includes("--force"), busybox: at >= 0 ? args[at + 1] : undefined });
for (const [name, path] of Object.entries(images)) console.log(`${name}: ${path}`);
