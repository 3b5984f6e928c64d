/**
 * Online rotation of the encryption-at-rest key (`k3rs secrets-encrypt rotate-keys`, K3s'
 * one-step rotation): while the server keeps serving,
 *
 *   1. a new key is made and the set [new, …old] persisted (config file and sealed bootstrap
 *      data), and only then made the write key: from here every write, concurrent ones
 *      included, is encrypted under it, and the old keys still decrypt;
 *   2. every stored value of the encrypted resources still under another key (or in plain
 *      text; and any encrypted value of a resource no longer listed, which goes plain) is
 *      resealed through the store's one write queue: the store re-encrypts the value
 *      current at commit time, so a concurrent update is never overwritten by an older copy;
 *   3. the rows on disk are counted by key; once none uses an old key, the set without it is
 *      persisted and the old key dropped.
 *
 * A crash at any point leaves a persisted set that holds every key a stored value uses; a start
 * that finds several keys resumes at step 2 (`resume`).
 */
import type { AesGcmTransformer, EncryptionKey } from "../store/value-encryption.ts";
import { AesGcmTransformer as Transformer } from "../store/value-encryption.ts";
import { StoreError } from "../store/types.ts";
import { errors, StatusError } from "../model/errors.ts";
import type { EncryptionStatus, ReencryptProgress, RotationStage } from "../model/encryption-status.ts";
import { newKey, retainedKeys, withActiveKey } from "./encryption-keys.ts";

/** What a rotation needs of the store (SqliteStore has both). */
export interface ResealStore {
  reseal(key: string): Promise<unknown>;
  storedValues(prefix: string): Iterable<{ key: string; stored: string }>;
}

export interface KeyRotationOptions {
  transformer: AesGcmTransformer;
  /** The full key set the transformer was made with, active first. */
  keys: EncryptionKey[];
  resources: string[];
  store: ResealStore;
  /** Makes a key set durable (config file, sealed bootstrap data); called before the set is used. */
  persist(keys: EncryptionKey[]): void;
  /** Records the stage for `status` after a restart. */
  saveStage?(stage: RotationStage): void;
  stage?: RotationStage;
  now?: () => Date;
  /** Reseals in flight at once; small, so concurrent writes share the commits. Default 256. */
  batch?: number;
  /** Stops a pass (server shutdown); the persisted set keeps every key still in use. */
  signal?: AbortSignal;
  onPassEnd?(result: { error?: unknown; progress: ReencryptProgress; retired: string[] }): void;
}

/** Passes that still find values under an old key before the rotation gives up (writes cannot add any: they use the new key). */
const MAX_PASSES = 3;

export class KeyRotation {
  private keys: EncryptionKey[];
  private stage: RotationStage;
  private progress?: ReencryptProgress;
  private error?: string;
  private running?: Promise<void>;
  private readonly now: () => Date;
  private readonly batch: number;

  constructor(private readonly o: KeyRotationOptions) {
    this.keys = [...o.keys];
    this.now = o.now ?? (() => new Date());
    this.batch = Math.max(1, o.batch ?? 256);
    this.stage = this.keys.length > 1 ? "reencrypt_request" : (o.stage ?? "start");
  }

  status(): EncryptionStatus {
    return {
      enable: true,
      stage: this.stage,
      keyType: "AES-GCM",
      activeKey: this.keys[0]!.name,
      inactiveKeys: this.keys.slice(1).map((k) => k.name),
      resources: [...this.o.resources],
      hashMatch: true,
      ...(this.progress ? { reencrypt: { ...this.progress } } : {}),
      ...(this.error ? { error: this.error } : {}),
    };
  }

  /** Makes a new key the write key and starts re-encrypting everything under it. 409 while a pass runs. */
  rotateKeys(): EncryptionStatus {
    this.refuseWhileRunning();
    const next = withActiveKey(this.keys, newKey(this.now(), this.keys.map((k) => k.name)));
    try {
      this.use(next);
    } catch (cause) {
      throw errors.internal(`persisting the new key (nothing changed): ${cause instanceof Error ? cause.message : String(cause)}`, cause);
    }
    this.start();
    return this.status();
  }

  /** Re-encrypts everything under the active key and retires the keys nothing uses. 409 while a pass runs. */
  reencrypt(): EncryptionStatus {
    this.refuseWhileRunning();
    this.start();
    return this.status();
  }

  /**
   * At start: finishes a rotation a stop interrupted (several keys configured), and brings the
   * stored values in line with a changed `--encrypt-resources`.
   */
  resume(): void {
    if (this.running) return;
    if (this.keys.length > 1 || this.pending(this.keys[0]!.name).length > 0) this.start();
  }

  /** Settles when the running pass (if any) ends; never rejects. */
  async settled(): Promise<void> {
    await this.running;
  }

  private refuseWhileRunning(): void {
    if (this.running) {
      throw new StatusError(409, "Conflict", `a re-encryption is in progress (${this.progress?.done ?? 0}/${this.progress?.total ?? 0} done); wait for stage reencrypt_finished`);
    }
  }

  /** Persists, then switches the transformer: nothing is written under a key the disk does not hold. */
  private use(keys: EncryptionKey[]): void {
    this.o.persist(keys);
    this.o.transformer.setKeys(keys);
    this.keys = keys;
  }

  private setStage(stage: RotationStage): void {
    this.stage = stage;
    try {
      this.o.saveStage?.(stage);
    } catch {
      // The stage file is only what `status` shows after a restart; the key set decides what happens.
    }
  }

  private start(): void {
    this.error = undefined;
    this.progress = { done: 0, total: 0, startedAt: this.now().toISOString() };
    this.setStage("reencrypt_active");
    const progress = this.progress;
    this.running = this.pass(progress).then(
      (retired) => {
        progress.finishedAt = this.now().toISOString();
        this.setStage("reencrypt_finished");
        this.o.onPassEnd?.({ progress, retired });
      },
      (error) => {
        this.error = error instanceof Error ? error.message : String(error);
        this.setStage("reencrypt_request");
        this.o.onPassEnd?.({ error, progress, retired: [] });
      },
    ).finally(() => {
      this.running = undefined;
    });
  }

  private async pass(progress: ReencryptProgress): Promise<string[]> {
    const active = this.keys[0]!.name;
    for (let pass = 1; ; pass++) {
      const pending = this.pending(active);
      if (pending.length === 0) break;
      if (pass > MAX_PASSES) throw new Error(`${pending.length} values are still not under key ${active} after ${MAX_PASSES} passes`);
      progress.total += pending.length;
      for (let i = 0; i < pending.length; i += this.batch) {
        if (this.o.signal?.aborted) throw new Error("the server is stopping; the next start resumes the re-encryption");
        const chunk = pending.slice(i, i + this.batch);
        await Promise.all(chunk.map((key) => this.o.store.reseal(key).catch(deletedMeanwhile)));
        progress.done += chunk.length;
      }
    }
    const left = this.pending(active).length;
    if (left > 0) throw new Error(`${left} values are still not under key ${active}`);
    const keep = retainedKeys(this.keys, this.usage());
    const retired = this.keys.filter((k) => !keep.includes(k)).map((k) => k.name);
    if (retired.length > 0) this.use(keep);
    return retired;
  }

  /**
   * Store keys whose value on disk is not as the config wants it: a value of an encrypted
   * resource not under the active key (plain text included), or an encrypted value of a
   * resource no longer in `--encrypt-resources` (its reseal writes it plain). Every row is read:
   * ≈ 30 ms for 10,000 objects of 1 KB, and it catches whatever the resource list once held.
   */
  private pending(active: string): string[] {
    const keys: string[] = [];
    for (const row of this.o.store.storedValues("/")) {
      const want = this.o.transformer.covers(row.key) ? active : undefined;
      if (Transformer.keyNameOf(row.stored) !== want) keys.push(row.key);
    }
    return keys;
  }

  /** Rows on disk per key name, whatever their resource (plain text under `undefined`). */
  private usage(): Map<string | undefined, number> {
    const counts = new Map<string | undefined, number>();
    for (const row of this.o.store.storedValues("/")) {
      const name = Transformer.keyNameOf(row.stored);
      counts.set(name, (counts.get(name) ?? 0) + 1);
    }
    return counts;
  }
}

/** A value deleted between the scan and its reseal is done: nothing is left to re-encrypt. */
function deletedMeanwhile(e: unknown): void {
  if (e instanceof StoreError && e.code === "NotFound") return;
  throw e;
}
