export * from "./types.ts";
export { openSqliteStore, SqliteStore, type SqliteStoreOptions } from "./sqlite.ts";
