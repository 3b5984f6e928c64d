/**
 * A joined agent's cluster network settings come from the server it joined (K3s agents read
 * theirs from the server's `/v1-k3s/config`): every node must agree on the CIDRs, the DNS
 * address and the backend, so none of them is an agent flag.
 */
import type { RestClient } from "../../client/rest-client.ts";
import { isStatusError } from "../../model/errors.ts";
import { CLUSTER_CONFIG_PATH, type ClusterNetwork, clusterNetworkFrom, DEFAULT_CLUSTER_NETWORK } from "../../model/cluster-network.ts";
import { sleep } from "../../lib/sleep.ts";
import { log } from "../../log.ts";

/** Asks until the server answers; a server without the endpoint (an older one) means K3s's defaults. */
export async function fetchClusterNetwork(client: RestClient, signal?: AbortSignal): Promise<ClusterNetwork> {
  for (let attempt = 0; ; attempt++) {
    try {
      return clusterNetworkFrom(await client.request(CLUSTER_CONFIG_PATH, { signal }));
    } catch (e) {
      if (isStatusError(e, "NotFound")) {
        log.warn("agent: the server does not say its network settings; using the defaults", { path: CLUSTER_CONFIG_PATH });
        return { ...DEFAULT_CLUSTER_NETWORK };
      }
      if (signal?.aborted || isStatusError(e, "Forbidden") || isStatusError(e, "Unauthorized") || (e instanceof Error && e.message.startsWith("the server's network settings"))) throw e;
      log.warn("agent: reading the cluster's network settings failed, retrying", { error: String(e) });
      await sleep(Math.min(10_000, 200 * 2 ** attempt), signal);
    }
  }
}
