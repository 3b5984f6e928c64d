/**
 * Builds the single executable `bin/k3rs` with `bun build --compile`, stamping the version and
 * the git commit in. Generated sources (the OpenAPI definitions from @kubernetes/client-node)
 * are produced first, so a clean checkout builds with this one command.
 */
import { $ } from "bun";
import pkg from "./package.json" with { type: "json" };

const root = import.meta.dir;
await $`bun ${root}/scripts/gen-openapi.ts`.cwd(root);

const commit = (await $`git rev-parse --short=12 HEAD`.cwd(root).nothrow().quiet().text()).trim() || "unknown";
const dirty = (await $`git status --porcelain --untracked-files=no`.cwd(root).nothrow().quiet().text()).trim() !== "";
const define = {
  K3RS_BUILD_VERSION: JSON.stringify(pkg.version),
  K3RS_BUILD_COMMIT: JSON.stringify(commit + (dirty ? "-dirty" : "")),
  K3RS_BUILD_DATE: JSON.stringify(new Date().toISOString()),
};

// `--target=bun-linux-x64` (the release) pins the platform; without it the build is for this machine.
const target = process.argv.find((a) => a.startsWith("--target="))?.slice("--target=".length) as Bun.Build.CompileTarget | undefined;

const started = performance.now();
const result = await Bun.build({
  entrypoints: [`${root}/src/main.ts`],
  compile: { outfile: `${root}/bin/k3rs`, ...(target ? { target } : {}) },
  minify: true,
  // Each dynamic import() its own chunk, read and evaluated only when imported: without it the
  // executable is one module, and every role's functions are created at start (all of kubectl's
  // and the control plane's in `k3rs agent`, even those main.ts never loads). bench/agent-rss.ts,
  // idle fake-runtime agent, with main.ts loading one command: RSS 65 → 61 MiB (anon 15 → 13,
  // file pages 50 → 48); loading one command without splitting had saved only 1 MiB of 66.
  splitting: true,
  // Precompiled bytecode in the executable: functions run from its (clean, shared) pages rather
  // than being compiled into the heap. bench/pods.ts, agent with 30 pods: anon 31 vs 42–45 MiB,
  // RSS 87 vs 93–96 MiB; idle about the same (73 vs 72). ESM keeps top-level await working.
  bytecode: true,
  format: "esm",
  sourcemap: "none",
  define,
  target: "bun",
});
if (!result.success) {
  for (const m of result.logs) console.error(m);
  process.exit(1);
}
console.log(`built bin/k3rs v${pkg.version} (${commit}${dirty ? "-dirty" : ""}) in ${Math.round(performance.now() - started)} ms`);
