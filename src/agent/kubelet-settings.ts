/** What of the kubelet's configuration the agent honours (set from `--kubelet-arg`, see config/kubelet-args.ts). */
import type { EvictionHard } from "./node/pressure.ts";

export interface KubeletSettings {
  /** eviction-hard: the thresholds of node pressure and eviction (default memory 100Mi, nodefs 10%, pid 1000). */
  evictionHard?: EvictionHard;
  /** containerLogMaxSize (10Mi) and containerLogMaxFiles (5). */
  containerLogMaxBytes?: number;
  containerLogMaxFiles?: number;
}
