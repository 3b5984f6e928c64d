/**
 * Pod feeds for node agents. A real agent watches only its own pods
 * (`fieldSelector=spec.nodeName=<node>`, as the kubelet does); N hollow nodes in one process
 * share ONE watch of all pods, split by spec.nodeName — a thousand watches from one process
 * would measure the test rig, not the server.
 *
 * Pods are kept without managedFields, as the kubelet's informer-fed peers (kube-proxy, the
 * controllers) keep theirs: the agent writes a pod only by status merge patch and by a
 * uid-pinned delete, never by PUT of the cached object, so the owners recorded are never lost.
 */
import type { KubeObject } from "../model/object.ts";
import type { RestClient } from "../client/rest-client.ts";
import { Informer } from "../client/informer.ts";
import { RestListWatch } from "../client/rest-list-watch.ts";
import { SlimListWatch } from "../client/slim-list-watch.ts";
import { withoutManagedFields } from "../model/managed-fields.ts";
import type { PodFeed } from "./node/node-agent.ts";

type Sub = Parameters<PodFeed["subscribe"]>[1];

export class WatchPodFeed implements PodFeed {
  private readonly subs = new Map<string, Sub>();
  private readonly informer: Informer;
  private started = false;

  /** `nodeName` set: watch only that node's pods; unset: all pods, shared by every subscriber. */
  constructor(
    client: RestClient,
    private readonly signal: AbortSignal,
    nodeName?: string,
  ) {
    const pods = new RestListWatch(client, {
      path: "/api/v1/pods",
      query: nodeName ? { fieldSelector: `spec.nodeName=${nodeName}` } : { fieldSelector: "spec.nodeName!=" },
    });
    this.informer = new Informer(new SlimListWatch(pods, withoutManagedFields));
    this.informer.addHandler({
      onChange: (p) => this.subs.get(p.spec?.nodeName)?.onPod(p),
      onDelete: (p) => this.subs.get(p.spec?.nodeName)?.onPodDeleted(p),
      onSynced: () => {
        const byNode = new Map<string, KubeObject[]>();
        for (const p of this.informer.cache.values()) (byNode.get(p.spec?.nodeName) ?? byNode.set(p.spec?.nodeName, []).get(p.spec?.nodeName)!).push(p);
        for (const [node, sub] of this.subs) sub.onSynced(byNode.get(node) ?? []);
      },
    });
  }

  subscribe(nodeName: string, h: Sub): () => void {
    this.subs.set(nodeName, h);
    if (this.informer.hasSynced) {
      const mine = [...this.informer.cache.values()].filter((p) => p.spec?.nodeName === nodeName);
      for (const p of mine) h.onPod(p);
      h.onSynced(mine);
    }
    if (!this.started) {
      this.started = true;
      void this.informer.start(this.signal);
    }
    return () => this.subs.delete(nodeName);
  }
}
