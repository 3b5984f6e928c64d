/**
 * The server's last line: an error nobody caught — a callback that threw, a promise nobody
 * awaited — is logged and the server keeps serving. Bun's default is to end the process, and
 * under a supervisor one such bug reachable by a client becomes a restart loop with every node
 * NotReady. Every request path has its own error boundary; this is for what slips past them.
 * Installed by the server command only (tests and `k3rs ctl` keep the default).
 */
import { log } from "../log.ts";

export function installLastResortHandlers(logger: Pick<typeof log, "error"> = log): () => void {
  const uncaught = (e: unknown) => logger.error("uncaught exception; the server keeps serving", { error: describe(e) });
  const unhandled = (reason: unknown) => logger.error("unhandled promise rejection; the server keeps serving", { error: describe(reason) });
  process.on("uncaughtException", uncaught);
  process.on("unhandledRejection", unhandled);
  return () => {
    process.off("uncaughtException", uncaught);
    process.off("unhandledRejection", unhandled);
  };
}

function describe(e: unknown): string {
  return String((e as Error | undefined)?.stack ?? e);
}
