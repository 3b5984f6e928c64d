export * from "./revision.ts";
export { HistoryWriter } from "./history-writer.ts";
