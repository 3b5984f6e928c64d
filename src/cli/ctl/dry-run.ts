/**
 * kubectl's `--dry-run=none|client|server` for the verbs that write: `server` sends the write
 * with dryRun=All (the server validates, stores nothing), `client` sends no write at all —
 * either way the object is left as it is — and the result line says which one ran.
 *
 * @example
 *   const dry = dryRun(o.dryRun);
 *   if (dry.send) await ctx.client.request(path, { method: "PATCH", body, query: { dryRun: dry.query } });
 *   ctx.out(`${name} scaled${dry.suffix}\n`);
 */
export type DryRunMode = "none" | "client" | "server";

export interface DryRun {
  mode: DryRunMode;
  /** False for client: the write is not sent. */
  send: boolean;
  /** The dryRun query parameter. */
  query: "All" | undefined;
  /** What kubectl appends to its result line. */
  suffix: "" | " (dry run)" | " (server dry run)";
}

export function dryRun(v: string | undefined): DryRun {
  if (v === undefined || v === "none" || v === "false") return { mode: "none", send: true, query: undefined, suffix: "" };
  if (v === "client" || v === "true") return { mode: "client", send: false, query: undefined, suffix: " (dry run)" };
  if (v === "server") return { mode: "server", send: true, query: "All", suffix: " (server dry run)" };
  throw new Error(`Invalid dry-run value (${v}). Must be "none", "server", or "client".`);
}
