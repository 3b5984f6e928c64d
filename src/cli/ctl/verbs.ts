/** Every verb registered beyond the first few in index.ts, in kubectl's help order. */
import type { CtlApp } from "./command.ts";
import { registerLogs } from "./logs.ts";
import { registerExec } from "./exec.ts";
import { registerEvents } from "./events.ts";
import { registerLabel } from "./label.ts";
import { registerPatch } from "./patch.ts";
import { registerScale } from "./scale.ts";
import { registerNode } from "./node.ts";
import { registerRollout } from "./rollout.ts";
import { registerSet } from "./set-image.ts";
import { registerDrain } from "./drain.ts";
import { registerWait } from "./wait.ts";
import { registerCluster } from "./cluster.ts";
import { registerCreate } from "./create.ts";
import { registerTop } from "./top.ts";
import { registerCp } from "./cp.ts";
import { registerPortForward } from "./port-forward.ts";
import { registerConfig } from "./config.ts";
import { registerMore } from "./more.ts";
import { registerEdit } from "./edit.ts";
import { registerCompletion } from "./completion.ts";
import { registerExplain } from "./explain.ts";
import { registerDiff } from "./diff.ts";

export const VERBS: ((app: CtlApp) => void)[] = [registerLogs, registerExec, registerEvents, registerScale, registerLabel, registerPatch, registerNode, registerRollout, registerSet, registerDrain, registerWait, registerCluster, registerCreate, registerTop, registerCp, registerPortForward, registerConfig, registerMore, registerEdit, registerExplain, registerDiff, registerCompletion];
