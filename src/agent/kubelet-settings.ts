/** What of the kubelet's configuration the agent honours (set from `--kubelet-arg`, see config/kubelet-args.ts). */
export interface KubeletSettings {
  /** containerLogMaxSize (10Mi) and containerLogMaxFiles (5). */
  containerLogMaxBytes?: number;
  containerLogMaxFiles?: number;
}
