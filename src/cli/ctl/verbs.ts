/** Every verb registered beyond the first few in index.ts, in kubectl's help order. */
import type { CtlApp } from "./command.ts";
import { registerLogs } from "./logs.ts";
import { registerExec } from "./exec.ts";

export const VERBS: ((app: CtlApp) => void)[] = [registerLogs, registerExec];
