/**
 * The command that runs this k3rs again, for work moved into a process of its own: the
 * executable itself when compiled (its entry lives in Bun's embedded file system), `bun
 * src/main.ts` when run from source; undefined anywhere else (a test runner's process), where
 * the caller does the work in process instead.
 */
export function selfCommand(main = Bun.main, execPath = process.execPath): string[] | undefined {
  if (main.startsWith("/$bunfs/")) return [execPath];
  if (main.endsWith("/src/main.ts")) return [execPath, main];
  return undefined;
}
