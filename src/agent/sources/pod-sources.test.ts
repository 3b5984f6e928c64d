import { describe, expect, test } from "bun:test";
import type { KubeObject } from "../../model/object.ts";
import type { ListWatch, ListWatchEvent } from "../../client/list-watch.ts";
import { PodSources, type SourceRef } from "./pod-sources.ts";

/** The one object a `fieldSelector=metadata.name` list and watch serve, changed by the test. */
class OneObject implements ListWatch {
  readonly description = "one object";
  object?: KubeObject;
  private rv = 1;
  readonly open = new Set<(ev: ListWatchEvent) => void>();

  constructor(object?: KubeObject) {
    if (object) this.put(object);
  }

  async list() {
    return { items: this.object ? [this.object] : [], resourceVersion: String(this.rv) };
  }

  watch(_rv: string, signal: AbortSignal, onEvent: (ev: ListWatchEvent) => void): Promise<void> {
    return new Promise((resolve) => {
      this.open.add(onEvent);
      signal.addEventListener("abort", () => {
        this.open.delete(onEvent);
        resolve();
      });
    });
  }

  put(object: KubeObject): void {
    const type = this.object ? "MODIFIED" : "ADDED";
    this.object = { ...object, metadata: { ...object.metadata, resourceVersion: String(++this.rv) } };
    for (const l of this.open) l({ type, object: this.object });
  }

  remove(): void {
    const gone = this.object!;
    this.object = undefined;
    this.rv++;
    for (const l of this.open) l({ type: "DELETED", object: gone });
  }
}

const cm = (data: Record<string, string>, extra: Partial<KubeObject> = {}): KubeObject => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "app", namespace: "shop", managedFields: [{ manager: "kubectl" }] }, data, ...extra });

function setup(source: OneObject, o: { watch?: boolean; ttlMs?: number; now?: () => number } = {}) {
  let gets = 0;
  const changes: { ref: SourceRef; uids: string[] }[] = [];
  const sources = new PodSources({
    api: {
      configMap: async () => {
        gets++;
        return source.object;
      },
      secret: async () => undefined,
    },
    watchOne: o.watch === false ? undefined : () => source,
    ttlMs: o.ttlMs,
    now: o.now,
  });
  sources.onChange((ref, uids) => changes.push({ ref, uids }));
  return { sources, changes, gets: () => gets };
}

const until = async (ok: () => boolean) => {
  for (let i = 0; i < 100 && !ok(); i++) await Bun.sleep(5);
  expect(ok()).toBe(true);
};

describe("PodSources, watching", () => {
  test("pods reading one ConfigMap share one read and one watch, and hear of its changes", async () => {
    const source = new OneObject(cm({ k: "v1" }));
    const { sources, changes, gets } = setup(source);
    expect((await sources.forPod("p1").configMap("shop", "app"))?.data).toEqual({ k: "v1" });
    expect(gets()).toBe(1);
    expect(sources.watching).toBe(1);
    await until(() => source.open.size === 1);
    expect((await sources.forPod("p2").configMap("shop", "app"))?.data).toEqual({ k: "v1" });
    expect(gets()).toBe(1);
    // Kept without managedFields, as the pod feed keeps pods.
    expect((await sources.forPod("p2").configMap("shop", "app"))?.metadata.managedFields).toBeUndefined();
    expect(changes).toEqual([]);

    source.put(cm({ k: "v2" }));
    expect(changes).toEqual([{ ref: { kind: "configmaps", namespace: "shop", name: "app" }, uids: ["p1", "p2"] }]);
    expect((await sources.forPod("p1").configMap("shop", "app"))?.data).toEqual({ k: "v2" });
    expect(gets()).toBe(1);

    source.remove();
    expect(changes.length).toBe(2);
    expect(await sources.forPod("p1").configMap("shop", "app")).toBeUndefined();
    source.put(cm({ k: "v3" }));
    expect(changes.length).toBe(3);
    expect((await sources.forPod("p2").configMap("shop", "app"))?.data).toEqual({ k: "v3" });
  });

  test("the watch closes when the last pod using the object is released, not before", async () => {
    const source = new OneObject(cm({ k: "v1" }));
    const { sources, gets } = setup(source);
    await sources.forPod("p1").configMap("shop", "app");
    await sources.forPod("p2").configMap("shop", "app");
    await until(() => source.open.size === 1);
    sources.release("p1");
    expect(sources.watching).toBe(1);
    expect(source.open.size).toBe(1);
    sources.release("p2");
    expect(sources.size).toBe(0);
    expect(source.open.size).toBe(0);
    // A new reader reads again.
    await sources.forPod("p3").configMap("shop", "app");
    expect(gets()).toBe(2);
  });

  test("an immutable object is read once and never watched", async () => {
    const source = new OneObject(cm({ k: "v1" }, { immutable: true }));
    const { sources, gets } = setup(source);
    await sources.forPod("p1").configMap("shop", "app");
    await sources.forPod("p2").configMap("shop", "app");
    expect(gets()).toBe(1);
    expect(sources.watching).toBe(0);
    expect(source.open.size).toBe(0);
  });

  test("a changed object is told once per change, not for the watch's first list of what was read", async () => {
    const source = new OneObject(cm({ k: "v1" }));
    const { sources, changes } = setup(source);
    await sources.forPod("p1").configMap("shop", "app");
    await until(() => source.open.size === 1);
    expect(changes).toEqual([]);
  });
});

describe("PodSources, without watches (hollow nodes)", () => {
  test("a copy serves for the TTL, then is read again; an object not found is never kept", async () => {
    let now = 0;
    const source = new OneObject();
    const { sources, gets } = setup(source, { watch: false, ttlMs: 60_000, now: () => now });
    expect(await sources.forPod("p1").configMap("shop", "app")).toBeUndefined();
    source.put(cm({ k: "v1" }));
    expect((await sources.forPod("p1").configMap("shop", "app"))?.data).toEqual({ k: "v1" });
    expect(gets()).toBe(2);
    source.put(cm({ k: "v2" }));
    now += 59_000;
    expect((await sources.forPod("p2").configMap("shop", "app"))?.data).toEqual({ k: "v1" });
    expect(gets()).toBe(2);
    now += 2_000;
    expect((await sources.forPod("p2").configMap("shop", "app"))?.data).toEqual({ k: "v2" });
    expect(gets()).toBe(3);
    expect(sources.watching).toBe(0);
  });

  test("with no TTL every read asks, and reads at once share one request", async () => {
    const source = new OneObject(cm({ k: "v1" }));
    const { sources, gets } = setup(source, { watch: false });
    await Promise.all([sources.forPod("p1").configMap("shop", "app"), sources.forPod("p2").configMap("shop", "app")]);
    expect(gets()).toBe(1);
    await sources.forPod("p1").configMap("shop", "app");
    expect(gets()).toBe(2);
  });
});
