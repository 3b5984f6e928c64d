import { afterAll, expect, test } from "bun:test";
import { openSqliteStore } from "../../store/sqlite.ts";
import { ResourceRegistry } from "../../api/resources/registry.ts";
import { ObjectStorage } from "../../api/storage/object-storage.ts";
import { InformerFactory } from "./informer-factory.ts";

const registry = new ResourceRegistry();
const configMaps = registry.find("", "v1", "configmaps")!;
const store = openSqliteStore({ path: ":memory:", durable: false });
const storage = new ObjectStorage({ store, admission: [] });
const stop = new AbortController();
afterAll(async () => {
  stop.abort();
  await store.close();
});

const cm = (namespace: string, name: string, v: string) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace }, data: { v } });

test("a named informer holds and hears only the objects of its name, in every namespace", async () => {
  await storage.create(configMaps, "a", cm("a", "kube-root-ca.crt", "1"));
  await storage.create(configMaps, "a", cm("a", "other", "1"));
  const factory = new InformerFactory(storage, stop.signal);
  const named = factory.named(configMaps, "kube-root-ca.crt");
  expect(factory.named(configMaps, "kube-root-ca.crt")).toBe(named); // shared by its readers
  expect(factory.for(configMaps)).not.toBe(named);
  await named.start(stop.signal);
  const heard: string[] = [];
  named.addHandler({ onChange: (o) => heard.push(`${o.metadata.namespace}/${o.metadata.name}=${(o as any).data.v}`) });
  await storage.create(configMaps, "b", cm("b", "kube-root-ca.crt", "2"));
  await storage.create(configMaps, "b", cm("b", "other", "2"));
  await storage.update(configMaps, "a", "kube-root-ca.crt", (cur) => ({ ...cur, data: { v: "3" } }));
  expect(named.list().map((o) => `${o.metadata.namespace}/${o.metadata.name}`).sort()).toEqual(["a/kube-root-ca.crt", "b/kube-root-ca.crt"]);
  expect(heard).toContain("b/kube-root-ca.crt=2");
  expect(heard).toContain("a/kube-root-ca.crt=3");
  expect(heard.some((h) => h.includes("other"))).toBe(false);
});

test("a metadata informer holds each object's type and metadata alone, and finds dependents by owner", async () => {
  const owner = await storage.create(configMaps, "m", cm("m", "owner", "x".repeat(1000)));
  const ref = { apiVersion: "v1", kind: "ConfigMap", name: "owner", uid: owner.metadata.uid! };
  await storage.create(configMaps, "m", { ...cm("m", "dependent", "y"), metadata: { name: "dependent", namespace: "m", ownerReferences: [ref], labels: { app: "a" } } });
  const factory = new InformerFactory(storage, stop.signal);
  const meta = factory.metadata(configMaps);
  expect(factory.metadata(configMaps)).toBe(meta);
  expect(factory.for(configMaps)).not.toBe(meta);
  await meta.start(stop.signal);
  const held = meta.get("m/owner")!;
  expect(Object.keys(held).sort()).toEqual(["apiVersion", "kind", "metadata"]);
  expect(held.metadata.managedFields).toBeUndefined();
  expect(held.metadata.uid).toBe(owner.metadata.uid);
  expect(meta.ownedBy(owner.metadata.uid!).map((o) => o.metadata.name)).toEqual(["dependent"]);
  // A watched change arrives the same way.
  await storage.update(configMaps, "m", "dependent", (cur) => ({ ...cur, metadata: { ...cur.metadata, labels: { app: "b" } }, data: { v: "z" } }));
  expect(meta.get("m/dependent")).toEqual({ apiVersion: "v1", kind: "ConfigMap", metadata: expect.objectContaining({ labels: { app: "b" }, ownerReferences: [ref] }) });
});

test("informers parse objects without their managedFields, listed or watched: no full parse is made for them", async () => {
  const managedFields = [{ manager: "kubectl", operation: "Apply", apiVersion: "v1", fieldsType: "FieldsV1", fieldsV1: { "f:data": { "f:v": {} } } }];
  const withFields = (name: string) => ({ ...cm("mf", name, "1"), metadata: { name, namespace: "mf", managedFields } });
  const parse = JSON.parse;
  /** Texts with managedFields that JSON.parse was handed while `run` ran. */
  const fullParses = async (run: () => Promise<unknown>) => {
    const texts: string[] = [];
    JSON.parse = (text: string, reviver?: any) => {
      if (text.includes('"managedFields"')) texts.push(text);
      return parse(text, reviver);
    };
    try {
      await run();
    } finally {
      JSON.parse = parse;
    }
    return texts.length;
  };
  expect((await storage.create(configMaps, "mf", withFields("listed"))).metadata.managedFields).toEqual(managedFields);
  const factory = new InformerFactory(storage, stop.signal);
  const whole = factory.for(configMaps);
  const meta = factory.metadata(configMaps);
  expect(await fullParses(() => Promise.all([whole.start(stop.signal), meta.start(stop.signal)]))).toBe(0);
  // A create parses what it parses with no informer watching (the baseline), and no more with two.
  const otherStore = openSqliteStore({ path: ":memory:", durable: false });
  const unwatched = await fullParses(() => new ObjectStorage({ store: otherStore, admission: [] }).create(configMaps, "mf", withFields("watched")));
  await otherStore.close();
  expect(await fullParses(() => storage.create(configMaps, "mf", withFields("watched")))).toBe(unwatched);
  for (const name of ["listed", "watched"]) {
    expect(whole.get(`mf/${name}`)!.metadata.managedFields).toBeUndefined();
    expect(meta.get(`mf/${name}`)!.metadata.managedFields).toBeUndefined();
    expect((whole.get(`mf/${name}`) as any).data).toEqual({ v: "1" });
  }
});

test("informers of one kind share one parse of each object they list", async () => {
  for (let i = 0; i < 5; i++) await storage.create(configMaps, "shared", cm("shared", `c${i}`, String(i)));
  const factory = new InformerFactory(storage, stop.signal);
  const whole = factory.for(configMaps);
  const meta = factory.metadata(configMaps);
  const parse = JSON.parse;
  let sharedParses = 0;
  JSON.parse = (text: string, reviver?: any) => {
    if (text.includes('"namespace":"shared"')) sharedParses++;
    return parse(text, reviver);
  };
  try {
    await whole.start(stop.signal);
    await meta.start(stop.signal);
  } finally {
    JSON.parse = parse;
  }
  expect(sharedParses).toBe(5);
  for (let i = 0; i < 5; i++) expect(meta.get(`shared/c${i}`)!.metadata).toBe(whole.get(`shared/c${i}`)!.metadata);
});

test("the store keeps a parse only for informers that hold whole objects: a metadata informer's parses are not kept", async () => {
  const keptAfter = async (start: (f: InformerFactory) => Promise<void>) => {
    const own = openSqliteStore({ path: ":memory:", durable: false });
    const ownStorage = new ObjectStorage({ store: own, admission: [] });
    await ownStorage.create(configMaps, "k", cm("k", "big", "x".repeat(10_000)));
    await start(new InformerFactory(ownStorage, stop.signal));
    const [item] = (await own.list("/")).items.filter((i) => i.key.endsWith("/k/big"));
    await own.close();
    return item!.keptSlimObject !== undefined;
  };
  expect(await keptAfter((f) => f.metadata(configMaps).start(stop.signal))).toBe(false);
  expect(await keptAfter((f) => f.for(configMaps).start(stop.signal))).toBe(true);
});
