/**
 * K3s's auto-deploying manifests: every `*.yaml` (`.yml`, `.json`) in `<data-dir>/server/manifests`
 * is applied at start and whenever the folder changes, each document the way `kubectl apply`
 * does it (three-way merge with the last-applied annotation, so kubectl can take turns). What
 * each file applied is recorded in the ConfigMap `kube-system/k3rs-manifests`, so a document
 * removed from a file — or the whole file, or a file named by `--disable` — is deleted, also
 * across restarts. An object is deleted only while it still carries the
 * `k3rs.io/manifest-file` annotation naming that file: one another file took over stays.
 *
 * Events on that ConfigMap tell what was applied (AppliedManifest) and what failed
 * (ApplyManifestFailed): `kubectl get events -n kube-system`.
 *
 * One sync at a time (the folder is read whole each time, which makes every sync idempotent);
 * file events and a periodic resync (missed events, objects deleted by hand, failures) start one.
 */
import { cloneObject } from "../../model/clone.ts";
import { mkdirSync, readdirSync, readFileSync, watch, type FSWatcher } from "node:fs";
import { join } from "node:path";
import type { ObjectStorage } from "../../api/storage/object-storage.ts";
import type { ResourceRegistry } from "../../api/resources/registry.ts";
import type { ResourceDef } from "../../api/resources/types.ts";
import { applyMergePatch } from "../../api/patch/merge-patch.ts";
import { LAST_APPLIED, threeWayMergePatch } from "../../client/three-way.ts";
import type { KubeObject } from "../../model/object.ts";
import { isStatusError } from "../../model/errors.ts";
import { StorageEventRecorder, type EventRecorder } from "../../controllers/framework/events.ts";
import { sleep } from "../../lib/sleep.ts";
import { log } from "../../log.ts";
import { isManifestFile, manifestName, parseManifest } from "./manifest-docs.ts";
import { planManifests, refKey, type AppliedRecord, type FileState, type ObjectRef } from "./plan.ts";

export const MANIFEST_FILE_ANNOTATION = "k3rs.io/manifest-file";
export const RECORD = { namespace: "kube-system", name: "k3rs-manifests", key: "applied.json" } as const;

export interface ManifestDeployerOptions {
  /** `<data-dir>/server/manifests`; created when missing. */
  dir: string;
  storage: ObjectStorage;
  registry: ResourceRegistry;
  /** `--disable` names: `NAME.yaml` is not deployed, and what it deployed is deleted. */
  disabled?: string[];
  signal: AbortSignal;
  /** Full resync period (K3s re-checks its addons too); default 30 s. */
  resyncMs?: number;
  /** Quiet time after a file event before syncing, so an editor's save is one sync; default 200 ms. */
  debounceMs?: number;
  /** Where AppliedManifest / ApplyManifestFailed Events go; default: the API's events. */
  events?: EventRecorder;
}

const COMPONENT = "k3rs-manifests";

export interface SyncResult {
  applied: number;
  unchanged: number;
  deleted: number;
  failed: { file: string; object: string; error: string }[];
  /** Per file: objects written (created or patched) and deleted in this sync. */
  changed: Record<string, { applied: number; deleted: number }>;
}

type Desired = { def: ResourceDef; object: KubeObject };

export class ManifestDeployer {
  private readonly disabled: Set<string>;
  private readonly events: EventRecorder;
  private wake: (() => void) | undefined;
  private dirty = true;
  private watcher: FSWatcher | undefined;
  private running: Promise<void> | undefined;
  /** Resolves after each sync, for whoever waits on one (tests, start). */
  private listeners: ((r: SyncResult) => void)[] = [];

  constructor(private readonly o: ManifestDeployerOptions) {
    this.disabled = new Set(o.disabled ?? []);
    this.events = o.events ?? new StorageEventRecorder(o.storage, o.registry);
  }

  /** Starts watching and syncing; resolves after the first sync. */
  async start(): Promise<SyncResult> {
    mkdirSync(this.o.dir, { recursive: true });
    const first = this.nextSync();
    this.watchDir();
    this.running = this.loop();
    this.o.signal.addEventListener("abort", () => this.stop(), { once: true });
    return first;
  }

  /** A promise of the next completed sync (one starting after this call). */
  nextSync(): Promise<SyncResult> {
    return new Promise((resolve) => this.listeners.push(resolve));
  }

  /** Asks for a sync soon (after the debounce). */
  kick(): void {
    this.dirty = true;
    this.wake?.();
  }

  private stop(): void {
    this.watcher?.close();
    this.wake?.();
  }

  private watchDir(): void {
    try {
      this.watcher = watch(this.o.dir, () => this.kick());
      this.watcher.on("error", (e) => {
        log.warn("manifests: watching the folder failed; the periodic resync still applies changes", { dir: this.o.dir, error: String(e) });
        this.watcher?.close();
        this.watcher = undefined;
      });
    } catch (e) {
      log.warn("manifests: cannot watch the folder; changes apply at the periodic resync", { dir: this.o.dir, error: String(e) });
    }
  }

  private async loop(): Promise<void> {
    const resyncMs = this.o.resyncMs ?? 30_000;
    let failures = 0;
    while (!this.o.signal.aborted) {
      if (!this.dirty) {
        // Failures retry sooner than the resync, backing off: a namespace another file creates, a webhook not up yet.
        const wait = failures ? Math.min(resyncMs, 1000 * 2 ** Math.min(failures - 1, 5)) : resyncMs;
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, wait);
          this.wake = () => {
            clearTimeout(t);
            resolve();
          };
        });
        this.wake = undefined;
        if (this.o.signal.aborted) break;
        this.watcher ?? this.watchDir();
        await sleep(this.o.debounceMs ?? 200, this.o.signal).catch(() => {});
      }
      this.dirty = false;
      let result: SyncResult;
      try {
        result = await this.sync();
      } catch (e) {
        log.error("manifests: sync failed", { dir: this.o.dir, error: String(e) });
        result = { applied: 0, unchanged: 0, deleted: 0, failed: [{ file: "", object: "", error: String(e) }], changed: {} };
      }
      failures = result.failed.length ? failures + 1 : 0;
      for (const l of this.listeners.splice(0)) l(result);
    }
  }

  /** Reads the folder, applies and deletes by the plan, writes the record. Idempotent. */
  async sync(): Promise<SyncResult> {
    const result: SyncResult = { applied: 0, unchanged: 0, deleted: 0, failed: [], changed: {} };
    const changed = (file: string) => (result.changed[file] ??= { applied: 0, deleted: 0 });
    const files = this.readFolder(result);
    const record = await this.readRecord();
    const plan = planManifests(files, record, (file) => this.disabled.has(manifestName(file)));

    const next: AppliedRecord = {};
    for (const file of plan.keep) next[file] = record[file] ?? [];
    const add = (file: string, ref: ObjectRef) => {
      const list = (next[file] ??= []);
      if (!list.some((r) => refKey(r) === refKey(ref))) list.push(ref);
    };
    for (const { file, ref, object } of plan.apply) {
      try {
        if (await this.applyOne(file, object)) {
          result.applied++;
          changed(file).applied++;
        } else result.unchanged++;
        add(file, ref);
      } catch (e) {
        result.failed.push({ file, object: describe(ref), error: (e as Error).message });
        log.warn("manifests: applying a document failed; retrying", { file, object: describe(ref), error: (e as Error).message });
        // Still this file's: keeps it from being deleted before it could be applied.
        if ((record[file] ?? []).some((r) => refKey(r) === refKey(ref))) add(file, ref);
      }
    }
    for (const { file, ref } of plan.delete) {
      try {
        if (await this.deleteOne(file, ref)) {
          result.deleted++;
          changed(file).deleted++;
        }
      } catch (e) {
        result.failed.push({ file, object: describe(ref), error: (e as Error).message });
        log.warn("manifests: deleting a removed document failed; retrying", { file, object: describe(ref), error: (e as Error).message });
        add(file, ref);
      }
    }
    const recordObject = await this.writeRecord(next);
    await this.tell(recordObject, result);
    if (result.applied || result.deleted) log.info("manifests applied", { dir: this.o.dir, applied: result.applied, deleted: result.deleted, failed: result.failed.length });
    return result;
  }

  private readFolder(result: SyncResult): Map<string, FileState<Desired>> {
    const files = new Map<string, FileState<Desired>>();
    let names: string[];
    try {
      names = readdirSync(this.o.dir).filter(isManifestFile).sort();
    } catch (e) {
      // A folder that vanished reads as empty: its files were removed.
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
      names = [];
    }
    for (const file of names) {
      let text: string;
      try {
        text = readFileSync(join(this.o.dir, file), "utf8");
      } catch (e) {
        files.set(file, { readable: false });
        result.failed.push({ file, object: "", error: (e as Error).message });
        continue;
      }
      const parsed = parseManifest(text);
      if (!parsed.ok) {
        files.set(file, { readable: false });
        result.failed.push({ file, object: "", error: parsed.error });
        log.warn("manifests: file not applied; what it applied before stays", { file, error: parsed.error });
        continue;
      }
      const objects: { ref: ObjectRef; object: Desired }[] = [];
      let unreadable = false;
      for (const obj of parsed.objects) {
        const def = this.defOf(obj.apiVersion, obj.kind);
        if (!def) {
          result.failed.push({ file, object: `${obj.kind} ${obj.metadata.name}`, error: `no resource for ${obj.apiVersion} ${obj.kind} is served` });
          unreadable = true;
          continue;
        }
        const namespace = def.namespaced ? (obj.metadata.namespace ?? "default") : undefined;
        const object = cloneObject(obj);
        if (namespace) object.metadata.namespace = namespace;
        else delete object.metadata.namespace;
        objects.push({ ref: { apiVersion: obj.apiVersion, kind: obj.kind, namespace, name: obj.metadata.name! }, object: { def, object } });
      }
      // A kind this server does not serve fails the file, as a parse error does: nothing of it is deleted.
      files.set(file, unreadable ? { readable: false } : { readable: true, objects });
    }
    return files;
  }

  private defOf(apiVersion: string, kind: string): ResourceDef | undefined {
    const [group, version] = apiVersion.includes("/") ? apiVersion.split("/", 2) : ["", apiVersion];
    return this.o.registry.forKind(group!, version!, kind);
  }

  /** kubectl apply, server side: create, or three-way merge patch. True when something was written. */
  private async applyOne(file: string, d: Desired): Promise<boolean> {
    const { def, object } = d;
    const ns = object.metadata.namespace;
    const desired = cloneObject(object);
    const annotations: Record<string, string> = { ...(desired.metadata.annotations ?? {}), [MANIFEST_FILE_ANNOTATION]: file };
    delete annotations[LAST_APPLIED];
    desired.metadata.annotations = annotations;
    desired.metadata.annotations = { ...annotations, [LAST_APPLIED]: JSON.stringify(desired) + "\n" };
    const live = await this.o.storage.tryGet(def, ns, desired.metadata.name!);
    if (!live) {
      await this.o.storage.create(def, ns, desired);
      return true;
    }
    if (live.metadata.deletionTimestamp) throw new Error("the object is being deleted; it is created again once gone");
    let previous: any;
    try {
      previous = JSON.parse(live.metadata.annotations?.[LAST_APPLIED] ?? "null") ?? undefined;
    } catch {}
    const patch = threeWayMergePatch(previous, desired, live);
    if (Object.keys(patch).length === 0) return false;
    await this.o.storage.update(def, ns, desired.metadata.name!, (current) => applyMergePatch(current, patch) as unknown as KubeObject);
    return true;
  }

  /** Deletes an object this file applied, if it is still this file's. True when it was deleted. */
  private async deleteOne(file: string, ref: ObjectRef): Promise<boolean> {
    const def = this.defOf(ref.apiVersion, ref.kind);
    if (!def) return false;
    const live = await this.o.storage.tryGet(def, ref.namespace, ref.name);
    if (!live || live.metadata.annotations?.[MANIFEST_FILE_ANNOTATION] !== file) return false;
    try {
      await this.o.storage.delete(def, ref.namespace, ref.name, { propagationPolicy: "Background" });
    } catch (e) {
      if (isStatusError(e, "NotFound")) return false;
      throw e;
    }
    return true;
  }

  private recordDef(): ResourceDef {
    return this.o.registry.forKind("", "v1", "ConfigMap")!;
  }

  private async readRecord(): Promise<AppliedRecord> {
    const cm = await this.o.storage.tryGet(this.recordDef(), RECORD.namespace, RECORD.name);
    const text = (cm as { data?: Record<string, string> } | undefined)?.data?.[RECORD.key];
    if (!text) return {};
    try {
      return JSON.parse(text) as AppliedRecord;
    } catch {
      log.warn("manifests: the record is unreadable; starting a new one", { configmap: `${RECORD.namespace}/${RECORD.name}` });
      return {};
    }
  }

  /** Events on the record ConfigMap; failing to write one never fails the sync. */
  private async tell(on: KubeObject, result: SyncResult): Promise<void> {
    try {
      for (const [file, c] of Object.entries(result.changed)) {
        await this.events.record(on, "Normal", "AppliedManifest", `${file}: ${c.applied} applied, ${c.deleted} deleted`, COMPONENT);
      }
      for (const f of result.failed) {
        await this.events.record(on, "Warning", "ApplyManifestFailed", `${f.file}${f.object ? ` ${f.object}` : ""}: ${f.error}`, COMPONENT);
      }
    } catch (e) {
      log.warn("manifests: recording an event failed", { error: String(e) });
    }
  }

  private async writeRecord(record: AppliedRecord): Promise<KubeObject> {
    const data = { [RECORD.key]: JSON.stringify(record) };
    const { object } = await this.o.storage.update(
      this.recordDef(),
      RECORD.namespace,
      RECORD.name,
      (current) => ({ ...current, metadata: { ...current.metadata, name: RECORD.name, namespace: RECORD.namespace }, data }) as KubeObject,
      { createIfMissing: true },
    );
    return object;
  }
}

function describe(r: ObjectRef): string {
  return `${r.kind} ${r.namespace ? `${r.namespace}/` : ""}${r.name}`;
}
