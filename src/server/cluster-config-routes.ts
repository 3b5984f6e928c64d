/**
 * `/v1-k3rs/config`: the cluster network settings every agent must share with the server
 * (K3s agents read theirs from `/v1-k3s/config`). Behind the API's authentication: any node
 * (or admin) may read it; it holds no secret.
 */
import type { Hono } from "hono";
import { CLUSTER_CONFIG_PATH, type ClusterNetwork } from "../model/cluster-network.ts";

export function registerClusterConfigRoutes(app: Hono<any>, network: ClusterNetwork): void {
  const body = JSON.stringify(network);
  app.get(CLUSTER_CONFIG_PATH, (c) => c.body(body, 200, { "content-type": "application/json" }));
}
