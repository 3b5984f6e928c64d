/**
 * Leader election through a coordination.k8s.io/v1 Lease, as client-go's leaderelection does
 * it: a candidate takes the Lease when it is absent or its holder has not renewed it within
 * leaseDurationSeconds, then renews it every retry period. Optimistic concurrency on the
 * Lease's resourceVersion makes the take-over atomic: of two candidates, one write wins.
 * A leader that cannot renew before the lease would expire steps down (its work is aborted),
 * so two servers never both act on a stale belief for longer than one lease. A leader that is
 * stopped gives the Lease up (client-go's ReleaseOnCancel): a restarted server, whose identity
 * is new, leads at once instead of waiting out its former self's lease (15 s without
 * controllers or scheduler after every restart). A crash still waits the lease out.
 */
import type { ObjectStorage } from "../../api/storage/object-storage.ts";
import type { ResourceDef } from "../../api/resources/types.ts";
import { microTime, type KubeObject } from "../../model/object.ts";
import { isStatusError } from "../../model/errors.ts";
import { log } from "../../log.ts";
import { sleep } from "../../lib/sleep.ts";

export interface LeaderElectionOptions {
  storage: ObjectStorage;
  leaseDef: ResourceDef;
  namespace: string;
  name: string;
  identity: string;
  leaseDurationSeconds?: number;
  retryMs?: number;
  signal: AbortSignal;
  now?: () => Date;
  /** How the loop waits between tries; a test hands in a fake clock's (with its `now`). */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Runs while leading; its signal aborts when leadership is lost or the elector stops. */
  onStartedLeading(signal: AbortSignal): void;
}

export function leaseExpired(lease: KubeObject, now: Date): boolean {
  const renew = Date.parse(lease.spec?.renewTime ?? lease.spec?.acquireTime ?? "");
  const dur = (lease.spec?.leaseDurationSeconds ?? 15) * 1000;
  return !Number.isFinite(renew) || renew + dur < now.getTime();
}

/** Runs the election loop until signal aborts; resolves once a leader has given the Lease up. */
export async function runLeaderElection(o: LeaderElectionOptions): Promise<void> {
  const now = o.now ?? (() => new Date());
  const duration = o.leaseDurationSeconds ?? 15;
  const retry = o.retryMs ?? 2000;
  const wait = o.sleep ?? sleep;
  let leading: AbortController | undefined;
  let lastRenew = 0;

  const tryAcquireOrRenew = async (): Promise<boolean> => {
    const t = now();
    const cur = await o.storage.tryGet(o.leaseDef, o.namespace, o.name);
    const held = cur?.spec?.holderIdentity;
    if (cur && held && held !== o.identity && !leaseExpired(cur, t)) return false;
    const spec = {
      holderIdentity: o.identity,
      leaseDurationSeconds: duration,
      acquireTime: held === o.identity ? (cur?.spec?.acquireTime ?? microTime(t)) : microTime(t),
      renewTime: microTime(t),
      leaseTransitions: (cur?.spec?.leaseTransitions ?? 0) + (cur && held !== o.identity ? 1 : 0),
    };
    try {
      if (!cur) {
        await o.storage.create(o.leaseDef, o.namespace, { apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name: o.name, namespace: o.namespace }, spec });
      } else {
        // Pinned to the version read: if another candidate wrote since, we lost this round.
        await o.storage.update(o.leaseDef, o.namespace, o.name, (c) => ({ ...c, metadata: { ...c.metadata, resourceVersion: cur.metadata.resourceVersion }, spec }));
      }
      return true;
    } catch (e) {
      if (isStatusError(e, "Conflict") || isStatusError(e, "AlreadyExists")) return false;
      throw e;
    }
  };

  while (!o.signal.aborted) {
    let ok = false;
    try {
      ok = await tryAcquireOrRenew();
    } catch (e) {
      log.warn("leader election: lease write failed", { lease: `${o.namespace}/${o.name}`, error: String(e) });
    }
    if (ok) {
      lastRenew = now().getTime();
      if (!leading) {
        leading = new AbortController();
        log.info("leader election: became leader", { lease: `${o.namespace}/${o.name}`, identity: o.identity });
        o.onStartedLeading(leading.signal);
      }
    } else if (leading && now().getTime() - lastRenew > (duration * 1000 * 2) / 3) {
      log.warn("leader election: lost the lease", { lease: `${o.namespace}/${o.name}` });
      leading.abort();
      leading = undefined;
    }
    await wait(retry, o.signal);
  }
  if (!leading) return;
  leading.abort();
  await release().catch((e) => log.warn("leader election: could not give the lease up", { lease: `${o.namespace}/${o.name}`, error: String(e) }));

  /** The Lease as client-go leaves it on release: no holder, one second long, so the next candidate takes it at once. */
  async function release(): Promise<void> {
    const cur = await o.storage.tryGet(o.leaseDef, o.namespace, o.name);
    if (cur?.spec?.holderIdentity !== o.identity) return;
    const t = microTime(now());
    const spec = { holderIdentity: "", leaseDurationSeconds: 1, acquireTime: t, renewTime: t, leaseTransitions: cur.spec?.leaseTransitions ?? 0 };
    // Pinned to the version read: a candidate that took the Lease meanwhile keeps it.
    await o.storage.update(o.leaseDef, o.namespace, o.name, (c) => ({ ...c, metadata: { ...c.metadata, resourceVersion: cur.metadata.resourceVersion }, spec }));
  }
}

