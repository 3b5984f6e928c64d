/**
 * Removes this node's local-path directories whose volume is gone — what local-path-provisioner's
 * teardown helper pod does on K3s. Every pass lists the storage root first and the volumes
 * second: a directory is only made after its volume exists, so one that is listed and has no
 * volume really lost it (never a volume too new to be listed).
 *
 * Data is removed only when the volume's reclaim policy was Delete. A volume's policy is
 * remembered (in a small state file, across restarts) from every pass and from every mount,
 * so a volume an administrator switched to Retain, or deleted by hand after Retain, keeps
 * its data; a directory whose policy was never seen is kept too. Only entries directly in
 * the root that are named like local-path directories (`pvc-<uid>_<ns>_<name>`) and are real
 * directories (not symlinks) are ever touched.
 */
import { existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { KubeObject } from "../../model/object.ts";
import { log } from "../../log.ts";

/** `pvc-<uid>_<namespace>_<claim>`: neither a namespace nor a claim name may contain `_`. */
const DIR_NAME = /^(pvc-[0-9a-z-]+)_([a-z0-9.-]+)_([a-z0-9.-]+)$/;

/** Volume name → reclaim policy, for volumes whose directory lives under the root. */
export type KnownPolicies = Record<string, string>;

/** The volume a directory entry belongs to, when it is named like a local-path directory. */
export function volumeOfEntry(entry: string): string | undefined {
  return DIR_NAME.exec(entry)?.[1];
}

/** Policies of the volumes whose hostPath or local path is a direct entry of `root`. */
export function policiesUnder(root: string, volumes: Iterable<KubeObject>): KnownPolicies {
  const out: KnownPolicies = {};
  for (const pv of volumes) {
    const path: string | undefined = pv.spec?.hostPath?.path ?? pv.spec?.local?.path;
    if (path && dirname(path) === root && volumeOfEntry(path.slice(root.length + 1)) === pv.metadata.name) {
      out[pv.metadata.name!] = pv.spec?.persistentVolumeReclaimPolicy ?? "Retain";
    }
  }
  return out;
}

/**
 * One pass, decided: which entries to remove and what to remember. `volumes` is every volume
 * that exists now (being deleted counts as existing).
 */
export function planSweep(entries: string[], volumes: KubeObject[], root: string, known: KnownPolicies): { remove: string[]; known: KnownPolicies } {
  const existing = new Set(volumes.map((v) => v.metadata.name!));
  const next: KnownPolicies = { ...known, ...policiesUnder(root, volumes) };
  const remove: string[] = [];
  const onDisk = new Set<string>();
  for (const entry of entries) {
    const pv = volumeOfEntry(entry);
    if (!pv) continue;
    onDisk.add(pv);
    if (!existing.has(pv) && next[pv] === "Delete") remove.push(entry);
  }
  for (const pv of Object.keys(next)) {
    const removed = remove.some((e) => volumeOfEntry(e) === pv);
    if (removed || (!existing.has(pv) && !onDisk.has(pv))) delete next[pv];
  }
  return { remove, known: next };
}

export interface LocalVolumeSweeperOptions {
  /** `<data dir>/storage`. */
  root: string;
  /** Where known reclaim policies are kept across restarts. */
  stateFile: string;
  listVolumes(): Promise<KubeObject[]>;
  signal: AbortSignal;
  intervalMs?: number;
}

export class LocalVolumeSweeper {
  private known: KnownPolicies;
  private running = false;

  constructor(private readonly o: LocalVolumeSweeperOptions) {
    this.known = readKnown(o.stateFile);
  }

  /** Remembers a volume's policy as it is mounted (before its directory exists). */
  note(pv: KubeObject): void {
    const found = policiesUnder(this.o.root, [pv]);
    const name = pv.metadata.name!;
    if (found[name] === undefined || this.known[name] === found[name]) return;
    this.known = { ...this.known, ...found };
    this.save();
  }

  /** Sweeps now and then every interval until the signal aborts. */
  start(): void {
    const tick = () => void this.sweep().catch((e) => log.warn("agent: sweeping local volumes failed", { error: String(e) }));
    tick();
    const timer = setInterval(tick, this.o.intervalMs ?? 10_000);
    this.o.signal.addEventListener("abort", () => clearInterval(timer), { once: true });
  }

  /** One pass; returns the directories removed. Without the volume list (server away) nothing is touched. */
  async sweep(): Promise<string[]> {
    if (this.running || this.o.signal.aborted) return [];
    this.running = true;
    try {
      const entries = existsSync(this.o.root) ? readdirSync(this.o.root) : [];
      const volumes = await this.o.listVolumes();
      const plan = planSweep(entries, volumes, this.o.root, this.known);
      const removed: string[] = [];
      for (const entry of plan.remove) {
        const path = join(this.o.root, entry);
        const st = lstatSync(path, { throwIfNoEntry: false });
        if (!st?.isDirectory()) continue;
        rmSync(path, { recursive: true, force: true });
        removed.push(entry);
        log.info("agent: removed the directory of a deleted local-path volume", { path });
      }
      if (!Bun.deepEquals(plan.known, this.known)) {
        this.known = plan.known;
        this.save();
      }
      return removed;
    } finally {
      this.running = false;
    }
  }

  private save(): void {
    mkdirSync(dirname(this.o.stateFile), { recursive: true });
    const tmp = `${this.o.stateFile}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.known));
    renameSync(tmp, this.o.stateFile);
  }
}

function readKnown(file: string): KnownPolicies {
  try {
    const parsed = JSON.parse(readFileSync(file, "utf8"));
    return parsed && typeof parsed === "object" ? parsed : {};
  } catch {
    return {};
  }
}
