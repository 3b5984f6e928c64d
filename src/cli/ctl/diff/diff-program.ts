/**
 * The program `kubectl diff` runs on the LIVE and MERGED directories: `diff -u -N`, or
 * `KUBECTL_EXTERNAL_DIFF` — its first word the command, then the directories, then those of
 * its other words that are plain flags (letters, digits, `-`, `=`); kubectl drops the rest
 * silently, so that the variable cannot smuggle shell syntax in.
 *
 * @example
 *   diffCommand("meld", "/tmp/LIVE-1", "/tmp/MERGED-2") // ["meld", "/tmp/LIVE-1", "/tmp/MERGED-2"]
 */
export function diffCommand(external: string | undefined, from: string, to: string): string[] {
  if (!external) return ["diff", "-u", "-N", from, to];
  const [cmd, ...rest] = external.split(" ") as [string, ...string[]];
  return [cmd, from, to, ...rest.filter((w) => /^[a-zA-Z0-9-=]+$/.test(w))];
}
