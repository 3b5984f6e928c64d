/**
 * Everything the agent asks of the API server, over the REST client with the node's
 * credentials — the one place that knows the agent's paths and patch types.
 */
import type { KubeObject } from "../model/object.ts";
import { isStatusError } from "../model/errors.ts";
import { toStatusError, type RestClient } from "../client/rest-client.ts";
import { IMAGES_PATH, type ClusterImage, type ClusterImageList } from "../model/cluster-image.ts";
import { log } from "../log.ts";
import { EventCorrelator, toEventObject } from "../client/event-correlator.ts";

const MERGE = "application/merge-patch+json";
const enc = encodeURIComponent;

export class AgentApi {
  constructor(
    readonly client: RestClient,
    private readonly correlator = new EventCorrelator(),
  ) {}

  getNode(name: string, signal?: AbortSignal): Promise<KubeObject> {
    return this.client.request(`/api/v1/nodes/${enc(name)}`, { signal });
  }

  createNode(node: KubeObject): Promise<KubeObject> {
    return this.client.request("/api/v1/nodes", { method: "POST", body: node });
  }

  patchNode(name: string, patch: object, status = false): Promise<KubeObject> {
    return this.client.request(`/api/v1/nodes/${enc(name)}${status ? "/status" : ""}`, { method: "PATCH", body: patch, contentType: MERGE });
  }

  /** A ConfigMap or Secret for a pod's env and volumes; undefined when it does not exist. */
  async getConfigMap(namespace: string, name: string): Promise<KubeObject | undefined> {
    return this.getOptional(`/api/v1/namespaces/${enc(namespace)}/configmaps/${enc(name)}`);
  }

  async getSecret(namespace: string, name: string): Promise<KubeObject | undefined> {
    return this.getOptional(`/api/v1/namespaces/${enc(namespace)}/secrets/${enc(name)}`);
  }

  /** A claim and its volume, for a pod's persistentVolumeClaim volumes; undefined when missing. */
  getPersistentVolumeClaim(namespace: string, name: string): Promise<KubeObject | undefined> {
    return this.getOptional(`/api/v1/namespaces/${enc(namespace)}/persistentvolumeclaims/${enc(name)}`);
  }

  getPersistentVolume(name: string): Promise<KubeObject | undefined> {
    return this.getOptional(`/api/v1/persistentvolumes/${enc(name)}`);
  }

  /** A namespace's Services, for the kubelet's service environment variables. */
  async listServices(namespace: string): Promise<KubeObject[]> {
    return (await this.client.request(`/api/v1/namespaces/${enc(namespace)}/services`)).items ?? [];
  }

  /** Every volume, for the sweep of this node's local-path directories. */
  async listPersistentVolumes(): Promise<KubeObject[]> {
    return (await this.client.request("/api/v1/persistentvolumes")).items ?? [];
  }

  /**
   * A token for the pod's service account, bound to the pod (TokenRequest with the node's
   * credentials, which the node authorizer allows only for its own pods' accounts).
   */
  async serviceAccountToken(pod: KubeObject, audience: string | undefined, expirationSeconds: number): Promise<string> {
    const ns = enc(pod.metadata.namespace!);
    const sa = enc(pod.spec?.serviceAccountName || "default");
    const res = await this.client.request<KubeObject>(`/api/v1/namespaces/${ns}/serviceaccounts/${sa}/token`, {
      method: "POST",
      body: {
        apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest",
        spec: {
          ...(audience ? { audiences: [audience] } : {}), expirationSeconds,
          boundObjectRef: { apiVersion: "v1", kind: "Pod", name: pod.metadata.name, uid: pod.metadata.uid },
        },
      },
    });
    return res.status?.token;
  }

  private async getOptional(path: string): Promise<KubeObject | undefined> {
    try {
      return await this.client.request(path);
    } catch (e) {
      if (isStatusError(e, "NotFound")) return undefined;
      throw e;
    }
  }

  getLease(namespace: string, name: string, signal?: AbortSignal): Promise<KubeObject> {
    return this.client.request(`/apis/coordination.k8s.io/v1/namespaces/${enc(namespace)}/leases/${enc(name)}`, { signal });
  }

  createLease(lease: KubeObject, signal?: AbortSignal): Promise<KubeObject> {
    return this.client.request(`/apis/coordination.k8s.io/v1/namespaces/${enc(lease.metadata.namespace!)}/leases`, { method: "POST", body: lease, signal });
  }

  updateLease(lease: KubeObject, signal?: AbortSignal): Promise<KubeObject> {
    return this.client.request(`/apis/coordination.k8s.io/v1/namespaces/${enc(lease.metadata.namespace!)}/leases/${enc(lease.metadata.name!)}`, { method: "PUT", body: lease, signal });
  }

  /** Merge-patches the pod's status; undefined when the pod is gone. */
  async patchPodStatus(pod: KubeObject, status: object): Promise<KubeObject | undefined> {
    try {
      return await this.client.request(`/api/v1/namespaces/${enc(pod.metadata.namespace!)}/pods/${enc(pod.metadata.name!)}/status`, {
        method: "PATCH",
        // The uid pins the patch to this incarnation of the pod (a same-named successor is not touched).
        body: { metadata: { uid: pod.metadata.uid }, status },
        contentType: MERGE,
      });
    } catch (e) {
      if (isStatusError(e, "NotFound") || isStatusError(e, "Conflict")) return undefined;
      throw e;
    }
  }

  /** The kubelet's final delete once the containers are gone: grace 0, pinned to the uid. */
  async deletePod(pod: KubeObject): Promise<void> {
    try {
      await this.client.request(`/api/v1/namespaces/${enc(pod.metadata.namespace!)}/pods/${enc(pod.metadata.name!)}`, {
        method: "DELETE",
        body: { apiVersion: "v1", kind: "DeleteOptions", gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid } },
      });
    } catch (e) {
      if (!isStatusError(e, "NotFound") && !isStatusError(e, "Conflict")) throw e;
    }
  }

  /** The cluster image store's images (`k3rs ctl image import`). */
  async listClusterImages(signal?: AbortSignal): Promise<ClusterImage[]> {
    return (await this.client.request<ClusterImageList>(IMAGES_PATH, { signal })).items ?? [];
  }

  /** One cluster image's archive, streamed. */
  async downloadClusterImage(digest: string, signal?: AbortSignal): Promise<ReadableStream<Uint8Array>> {
    const res = await this.client.raw(`${IMAGES_PATH}/${enc(digest)}`, { accept: "application/x-tar, application/json", signal });
    if (!res.ok || !res.body) {
      const text = await res.text();
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {}
      throw toStatusError(res.status, body, text);
    }
    return res.body;
  }

  /**
   * Events are reports: failures are logged, never thrown. Correlated as client-go's recorder
   * does (repeats patch one Event's count, similar ones combine, a chatty pod is throttled).
   */
  async event(obj: KubeObject, type: "Normal" | "Warning", reason: string, message: string, host: string): Promise<void> {
    const ns = obj.metadata.namespace || "default";
    const result = this.correlator.correlate({
      involvedObject: { apiVersion: obj.apiVersion, kind: obj.kind, namespace: obj.metadata.namespace, name: obj.metadata.name, uid: obj.metadata.uid },
      type,
      reason,
      message,
      source: { component: "kubelet", host },
    });
    if (result.skip) return;
    // Sent after what the current turn asks of the API (the kubelet's recorder sends from its
    // own queue): on a node's one connection, a pod's "Started" went out ahead of the status
    // that says it runs, and the status waited a round trip behind it.
    await new Promise<void>((r) => setImmediate(r));
    const event = toEventObject(result.event, ns);
    const collection = `/api/v1/namespaces/${enc(ns)}/events`;
    try {
      if (result.repeat) {
        try {
          const { count, lastTimestamp, message: latest } = event;
          await this.client.request(`${collection}/${enc(event.metadata.name!)}`, { method: "PATCH", body: { count, lastTimestamp, message: latest }, contentType: MERGE });
          return;
        } catch (e) {
          if (!isStatusError(e, "NotFound")) throw e;
        }
      }
      await this.client.request(collection, { method: "POST", body: event });
    } catch (e) {
      log.debug("agent: recording an event failed", { reason, error: String(e) });
    }
  }
}
