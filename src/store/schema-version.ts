/**
 * The store's schema version against the one this build writes. An older file is migrated
 * forward at open (sqlite-schema.ts); a newer one was written by a newer k3rs and is refused,
 * untouched: this build cannot know what the newer schema means, and a downgrade that
 * half-understood it could lose the cluster. The message says what to do instead.
 */
import { version as k3rsVersion } from "../version.ts";

export class StoreSchemaTooNewError extends Error {
  constructor(
    readonly path: string,
    readonly found: number,
    readonly known: number,
  ) {
    super(
      `the store ${path} has schema version ${found}, written by a newer k3rs; this k3rs (v${k3rsVersion}) knows schema ${known} at most. ` +
        `Downgrades are not supported: install the newer k3rs again, or restore a backup taken with this version`,
    );
    this.name = "StoreSchemaTooNewError";
  }
}

/** Throws StoreSchemaTooNewError when `found` is newer than `known`. */
export function refuseNewerSchema(path: string, found: number, known: number): void {
  if (found > known) throw new StoreSchemaTooNewError(path, found, known);
}
