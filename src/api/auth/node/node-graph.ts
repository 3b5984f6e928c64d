/**
 * Which objects each node's pods reference, for the node authorizer: pods indexed by
 * spec.nodeName and claims by name, in memory (informers over the server's storage), so a
 * node's request is decided without a store read. Answers from the pods as they are now: a
 * pod bound to another node, or deleted, takes its references with it.
 */
import { Informer } from "../../../client/informer.ts";
import type { KubeObject } from "../../../model/object.ts";
import { SlimListWatch } from "../../../client/slim-list-watch.ts";
import { StorageListWatch } from "../../storage/list-watch.ts";
import type { ObjectStorage } from "../../storage/object-storage.ts";
import type { ResourceRegistry } from "../../resources/registry.ts";
import { podReferences, type PodReferences } from "./pod-references.ts";

const BY_NODE = "spec.nodeName";

export class NodeGraph {
  private readonly pods: Informer;
  private readonly claims: Informer;

  constructor(storage: ObjectStorage, registry: ResourceRegistry) {
    this.pods = new Informer(new SlimListWatch(new StorageListWatch(storage, registry.find("", "v1", "pods")!, { view: "part" }), referencingPart));
    this.claims = new Informer(new StorageListWatch(storage, registry.find("", "v1", "persistentvolumeclaims")!));
    this.pods.addIndex(BY_NODE, (p) => (p.spec?.nodeName ? [p.spec.nodeName] : []));
  }

  async start(signal: AbortSignal): Promise<void> {
    await Promise.all([this.pods.start(signal), this.claims.start(signal)]);
  }

  /** The node's pods in one namespace. */
  private podsOf(node: string, namespace: string): KubeObject[] {
    return this.pods.byIndex(BY_NODE, node).filter((p) => p.metadata.namespace === namespace);
  }

  /** A pod the node runs in `namespace` names this Secret / ConfigMap / claim. */
  nodeReferences(node: string, namespace: string, kind: "secrets" | "configMaps" | "claims", name: string): boolean {
    return this.podsOf(node, namespace).some((p) => podReferences(p)[kind].has(name));
  }

  nodeRunsServiceAccount(node: string, namespace: string, name: string): boolean {
    return this.podsOf(node, namespace).some((p) => podReferences(p).serviceAccount === name);
  }

  /** A claim one of the node's pods uses is bound to this volume. */
  nodeUsesVolume(node: string, volume: string): boolean {
    for (const pod of this.pods.byIndex(BY_NODE, node)) {
      const refs: PodReferences = podReferences(pod);
      for (const claim of refs.claims) {
        if (this.claims.get(`${pod.metadata.namespace}/${claim}`)?.spec?.volumeName === volume) return true;
      }
    }
    return false;
  }

  /** The node a pod is bound to ("" when unscheduled or unknown). */
  nodeOfPod(namespace: string, name: string): string {
    return this.pods.get(`${namespace}/${name}`)?.spec?.nodeName ?? "";
  }
}

/**
 * What the graph reads of a pod: its name and spec (node, volumes, env sources, service
 * account). Status and managedFields are most of a running pod and are not kept; the spec is
 * shared with the event's object, not copied.
 */
function referencingPart(p: KubeObject): KubeObject {
  const m = p.metadata ?? {};
  return { apiVersion: p.apiVersion, kind: p.kind, metadata: { name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion }, spec: p.spec };
}
