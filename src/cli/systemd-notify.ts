/** The server's and agent's side of `Type=notify`: where systemd listens, and telling it without failing the process. */
import { sdNotify } from "../lib/sd-notify.ts";
import { log } from "../log.ts";

/**
 * $NOTIFY_SOCKET, removed from the environment: the containerd the agent starts would inherit
 * it and send its own READY=1 (systemd ignores it under NotifyAccess=main, but it is not ours to send).
 */
export function takeNotifySocket(env: Record<string, string | undefined>): string | undefined {
  const socket = env.NOTIFY_SOCKET;
  delete env.NOTIFY_SOCKET;
  return socket || undefined;
}

/** A readiness message that cannot be delivered is logged: the service keeps running (systemd times the start out). */
export function tellSystemd(socket: string | undefined, state: string): void {
  if (!socket) return;
  try {
    sdNotify(socket, state);
    log.debug("told systemd", { state });
  } catch (e) {
    log.warn("could not notify systemd", { state, error: (e as Error).message });
  }
}
