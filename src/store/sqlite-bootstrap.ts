/** The bootstrap table holds the server's sealed PKI and keys, outside the objects and their revisions. */
import { Database } from "bun:sqlite";

export function readBootstrapRow(db: Database, name: string): Uint8Array | undefined {
  const row = db.query("SELECT value FROM bootstrap WHERE name = ?").get(name) as { value: Uint8Array } | null;
  return row ? new Uint8Array(row.value) : undefined;
}

export function writeBootstrapRow(db: Database, name: string, value: Uint8Array): void {
  db.run("INSERT INTO bootstrap (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value", [name, value]);
}

/**
 * The bootstrap table of a store file, read before the store itself is opened (opening
 * decrypts the objects, with a key the bootstrap data may have to supply first). Read-only;
 * a file without the table (an older schema) has no bootstrap data.
 */
export function bootstrapTableAt(path: string): { readBootstrap(name: string): Uint8Array | undefined; writeBootstrap(): never } {
  return {
    readBootstrap(name: string) {
      const db = new Database(path, { readonly: true });
      try {
        const table = db.query("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'bootstrap'").get();
        if (!table) return undefined;
        return readBootstrapRow(db, name);
      } finally {
        db.close();
      }
    },
    writeBootstrap(): never {
      throw new Error("the bootstrap table of an unopened store is read-only");
    },
  };
}
