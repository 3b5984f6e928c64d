/**
 * Hostile request options (issue 17): every malformed DeleteOptions, ListOptions and query
 * parameter is a Status with the code Kubernetes gives — never a 500, never a real delete —
 * plus pagination at one revision, generateName retries, event correlation and the watch
 * output budget. One case per finding; each checks that nothing changed when refused.
 */
import { afterAll, beforeAll, describe, expect, spyOn, test } from "bun:test";
import { startTestApi, type TestApi } from "../helpers/api-harness.ts";
import { RestClient } from "../../src/client/rest-client.ts";
import { AgentApi } from "../../src/agent/agent-api.ts";
import { StorageEventRecorder } from "../../src/controllers/framework/events.ts";
import { watchBudget } from "../../src/api/handlers/watch-output.ts";
import { readWatchEvents } from "../helpers/watch-events.ts";

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(async () => {
  await api.close();
});

const NS = "/api/v1/namespaces/default";

function expectStatus(body: any, code: number, reason: string, message?: string | RegExp) {
  expect(body.kind).toBe("Status");
  expect(body.status).toBe("Failure");
  expect(body.code).toBe(code);
  expect(body.reason).toBe(reason);
  if (typeof message === "string") expect(body.message).toBe(message);
  else if (message) expect(body.message).toMatch(message);
}

async function makeConfigMap(name: string, data: Record<string, string> = { a: "1" }): Promise<any> {
  const r = await api.json("POST", `${NS}/configmaps`, { apiVersion: "v1", kind: "ConfigMap", metadata: { name }, data });
  expect(r.status).toBe(201);
  return r.body;
}

/** Whether the object is still there, unmarked. */
async function untouched(name: string, resourceVersion: string): Promise<void> {
  const r = await api.json("GET", `${NS}/configmaps/${name}`);
  expect(r.status).toBe(200);
  expect(r.body.metadata.resourceVersion).toBe(resourceVersion);
  expect(r.body.metadata.deletionTimestamp).toBeUndefined();
}

describe("DeleteOptions", () => {
  test.each([
    [{ dryRun: "All" }, "json: cannot unmarshal string into Go struct field DeleteOptions.dryRun of type []string"],
    [{ gracePeriodSeconds: "abc" }, "json: cannot unmarshal string into Go struct field DeleteOptions.gracePeriodSeconds of type int64"],
    [{ gracePeriodSeconds: 1e300 }, "json: cannot unmarshal number 1e+300 into Go struct field DeleteOptions.gracePeriodSeconds of type int64"],
    [{ preconditions: { uid: 5 } }, "json: cannot unmarshal number into Go struct field Preconditions.preconditions.uid of type types.UID"],
    [{ preconditions: { resourceVersion: 7 } }, "json: cannot unmarshal number into Go struct field Preconditions.preconditions.resourceVersion of type string"],
    [{ orphanDependents: "yes" }, "json: cannot unmarshal string into Go struct field DeleteOptions.orphanDependents of type bool"],
  ])("a body of wrong JSON types %j is a 400 and deletes nothing", async (body, message) => {
    const cm = await makeConfigMap(`del-type-${Bun.hash(JSON.stringify(body)).toString(36)}`);
    const r = await api.json("DELETE", `${NS}/configmaps/${cm.metadata.name}`, body);
    expect(r.status).toBe(400);
    expectStatus(r.body, 400, "BadRequest", message);
    await untouched(cm.metadata.name, cm.metadata.resourceVersion);
  });

  test.each([
    [{ dryRun: ["all"] }, 'DeleteOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: []string{"all"}: supported values: "All"'],
    [{ propagationPolicy: "Sideways" }, 'DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: "Sideways": supported values: "Foreground", "Background", "Orphan", "nil"'],
    [{ propagationPolicy: "Orphan", orphanDependents: true }, 'DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Invalid value: "Orphan": orphanDependents and deletionPropagation cannot be both set'],
  ])("invalid options %j are a 422 and delete nothing", async (body, message) => {
    const cm = await makeConfigMap(`del-inv-${Bun.hash(JSON.stringify(body)).toString(36)}`);
    const r = await api.json("DELETE", `${NS}/configmaps/${cm.metadata.name}`, body);
    expectStatus(r.body, 422, "Invalid", message);
    expect(r.body.details.kind).toBe("DeleteOptions");
    await untouched(cm.metadata.name, cm.metadata.resourceVersion);
  });

  test.each([
    ["gracePeriodSeconds=abc", 400, 'strconv.ParseInt: parsing "abc": invalid syntax'],
    ["gracePeriodSeconds=99999999999999999999", 400, 'strconv.ParseInt: parsing "99999999999999999999": value out of range'],
    ["dryRun=all", 422, 'DeleteOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: []string{"all"}: supported values: "All"'],
    ["propagationPolicy=Foreground&orphanDependents=false", 422, /orphanDependents and deletionPropagation cannot be both set/],
  ])("query options %s are refused (%d) and delete nothing", async (query, code, message) => {
    const cm = await makeConfigMap(`del-q-${Bun.hash(query).toString(36)}`);
    const r = await api.json("DELETE", `${NS}/configmaps/${cm.metadata.name}?${query}`);
    expectStatus(r.body, code, code === 400 ? "BadRequest" : "Invalid", message);
    await untouched(cm.metadata.name, cm.metadata.resourceVersion);
  });

  test("a real dry run deletes nothing; deletecollection validates before it deletes", async () => {
    const cm = await makeConfigMap("del-dry");
    const dry = await api.json("DELETE", `${NS}/configmaps/del-dry`, { dryRun: ["All"] });
    expect(dry.status).toBe(200);
    await untouched("del-dry", cm.metadata.resourceVersion);
    const coll = await api.json("DELETE", `${NS}/configmaps?labelSelector=nothing%3Dhere`, { dryRun: "All" });
    expect(coll.status).toBe(400);
    await untouched("del-dry", cm.metadata.resourceVersion);
  });

  test("a grace period of int64's largest value marks a pod for year 9999, not a 500", async () => {
    const pod = await api.json("POST", `${NS}/pods`, { apiVersion: "v1", kind: "Pod", metadata: { name: "grace-huge" }, spec: { nodeName: "nowhere", containers: [{ name: "c", image: "busybox" }] } });
    expect(pod.status).toBe(201);
    const r = await api.json("DELETE", `${NS}/pods/grace-huge`, { gracePeriodSeconds: 9223372036854775000 });
    expect(r.status).toBeLessThan(300);
    expect(r.body.metadata.deletionTimestamp).toBe("9999-12-31T23:59:59Z");
  });
});

describe("ListOptions and other query parameters", () => {
  test.each([
    ["limit=abc", 400, "BadRequest", 'strconv.ParseInt: parsing "abc": invalid syntax'],
    ["resourceVersion=abc", 400, "BadRequest", 'resourceVersion: Invalid value: "abc": strconv.ParseUint: parsing "abc": invalid syntax'],
    ["continue=%%%", 400, "BadRequest", /^invalid continue token: continue key is not valid/],
    ["continue=eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6MSwic3RhcnQiOiIvc2VjcmV0cy8ifQ", 400, "BadRequest", /^invalid continue token/],
    ["resourceVersionMatch=Exact", 422, "Invalid", 'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided'],
    ["resourceVersion=1&resourceVersionMatch=Newest", 422, "Invalid", /Unsupported value: "Newest": supported values: "Exact", "NotOlderThan", ""/],
    ["resourceVersion=0&resourceVersionMatch=Exact", 422, "Invalid", /resourceVersionMatch "exact" is forbidden for resourceVersion "0"/],
    ["sendInitialEvents=true", 422, "Invalid", /sendInitialEvents is forbidden for list/],
    ["watch=1&timeoutSeconds=abc", 400, "BadRequest", 'strconv.ParseInt: parsing "abc": invalid syntax'],
    ["watch=1&resourceVersion=1&resourceVersionMatch=NotOlderThan", 422, "Invalid", /resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided/],
    ["watch=1&sendInitialEvents=true", 422, "Invalid", /sendInitialEvents requires setting resourceVersionMatch to NotOlderThan/],
    ["labelSelector=a%20in%20(", 400, "BadRequest", undefined],
    ["fieldSelector=spec.nope%3Dx", 400, "BadRequest", "field label not supported: spec.nope"],
    ["resourceVersion=999999999", 504, "Timeout", /^Too large resource version: 999999999, current: \d+$/],
  ])("GET configmaps?%s → %d", async (query, code, reason, message) => {
    const r = await api.json("GET", `${NS}/configmaps?${query}`);
    expect(r.status).toBe(code);
    expectStatus(r.body, code, reason, message);
  });

  test("GetOptions: a resourceVersion that does not parse is a 400", async () => {
    await makeConfigMap("get-rv");
    const r = await api.json("GET", `${NS}/configmaps/get-rv?resourceVersion=x`);
    expectStatus(r.body, 400, "BadRequest");
  });

  test.each(["/api/v1/namespaces/%zz/configmaps", `${NS}/configmaps/%E0%A4%A`, "/api/v1/namespaces/default/configmaps/%"])("bad percent-encoding in %s is a 400 Status", async (path) => {
    const r = await api.json("GET", path);
    expect(r.status).toBe(400);
    expectStatus(r.body, 400, "BadRequest");
  });
});

describe("write options", () => {
  test.each([
    ["dryRun=all", 'CreateOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: []string{"all"}: supported values: "All"'],
    ["fieldValidation=Sloppy", /fieldValidation: Unsupported value: "Sloppy"/],
  ])("a create with %s is a 422 and creates nothing", async (query, message) => {
    const name = `w-${Bun.hash(query).toString(36)}`;
    const r = await api.json("POST", `${NS}/configmaps?${query}`, { apiVersion: "v1", kind: "ConfigMap", metadata: { name } });
    expectStatus(r.body, 422, "Invalid", message);
    expect((await api.json("GET", `${NS}/configmaps/${name}`)).status).toBe(404);
  });

  test("an update with dryRun=all is a 422 and changes nothing", async () => {
    const cm = await makeConfigMap("w-update");
    const r = await api.json("PUT", `${NS}/configmaps/w-update?dryRun=all`, { ...cm, data: { a: "2" } });
    expectStatus(r.body, 422, "Invalid", /^UpdateOptions.meta.k8s.io "" is invalid: dryRun/);
    await untouched("w-update", cm.metadata.resourceVersion);
  });
});

describe("pagination", () => {
  test("every page is served at the first page's resourceVersion, whatever changes meanwhile", async () => {
    await api.json("POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: "pages" } });
    for (const n of ["p1", "p2", "p3", "p4", "p5"]) {
      expect((await api.json("POST", "/api/v1/namespaces/pages/configmaps", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: n }, data: { v: "old" } })).status).toBe(201);
    }
    const first = await api.json("GET", "/api/v1/namespaces/pages/configmaps?limit=2");
    expect(first.body.items.map((i: any) => i.metadata.name)).toEqual(["p1", "p2"]);
    expect((await api.json("PATCH", "/api/v1/namespaces/pages/configmaps/p3", { data: { v: "new" } }, { headers: { "content-type": "application/merge-patch+json" } })).status).toBe(200);
    expect((await api.json("DELETE", "/api/v1/namespaces/pages/configmaps/p4")).status).toBe(200);
    expect((await api.json("POST", "/api/v1/namespaces/pages/configmaps", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "p33" }, data: { v: "new" } })).status).toBe(201);
    const second = await api.json("GET", `/api/v1/namespaces/pages/configmaps?limit=2&continue=${first.body.metadata.continue}`);
    expect(second.status).toBe(200);
    expect(second.body.metadata.resourceVersion).toBe(first.body.metadata.resourceVersion);
    expect(second.body.items.map((i: any) => [i.metadata.name, i.data.v])).toEqual([["p3", "old"], ["p4", "old"]]);
    const third = await api.json("GET", `/api/v1/namespaces/pages/configmaps?limit=2&continue=${second.body.metadata.continue}`);
    expect(third.body.items.map((i: any) => i.metadata.name)).toEqual(["p5"]);
    expect(third.body.metadata.resourceVersion).toBe(first.body.metadata.resourceVersion);
    // A resourceVersion beside a continue token is refused, as by the apiserver.
    const both = await api.json("GET", `/api/v1/namespaces/pages/configmaps?limit=2&resourceVersion=5&continue=${first.body.metadata.continue}`);
    expectStatus(both.body, 400, "BadRequest", "specifying resource version is not allowed when using continue");
    // An exact resourceVersion lists the past too.
    const exact = await api.json("GET", `/api/v1/namespaces/pages/configmaps?resourceVersion=${first.body.metadata.resourceVersion}&resourceVersionMatch=Exact`);
    expect(exact.body.items.map((i: any) => i.metadata.name)).toEqual(["p1", "p2", "p3", "p4", "p5"]);
  });

  test("a continue token whose revision is compacted is 410 Expired, with a token that goes on at the latest", async () => {
    await api.json("POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: "expire" } });
    for (const n of ["e1", "e2", "e3"]) {
      expect((await api.json("POST", "/api/v1/namespaces/expire/configmaps", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: n } })).status).toBe(201);
    }
    const first = await api.json("GET", "/api/v1/namespaces/expire/configmaps?limit=1");
    expect((await api.json("POST", "/api/v1/namespaces/expire/configmaps", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "e4" } })).status).toBe(201);
    await api.store.compact(api.store.revision());
    const r = await api.json("GET", `/api/v1/namespaces/expire/configmaps?limit=1&continue=${first.body.metadata.continue}`);
    expect(r.status).toBe(410);
    expectStatus(r.body, 410, "Expired", /^The provided continue parameter is too old to display a consistent list result/);
    expect(typeof r.body.metadata.continue).toBe("string");
    const rest = await api.json("GET", `/api/v1/namespaces/expire/configmaps?limit=10&continue=${r.body.metadata.continue}`);
    expect(rest.status).toBe(200);
    expect(rest.body.items.map((i: any) => i.metadata.name)).toEqual(["e2", "e3", "e4"]);
    const exact = await api.json("GET", `/api/v1/namespaces/expire/configmaps?resourceVersion=${first.body.metadata.resourceVersion}&resourceVersionMatch=Exact`);
    expectStatus(exact.body, 410, "Expired", "The resourceVersion for the provided list is too old.");
  });
});

test("generateName: a taken generated name is generated again", async () => {
  // Pin the random suffix: the first two creates draw the same name, the retry draws another.
  const draws = [...Array(10).fill(0), ...Array(100).fill(0.5)];
  const spy = spyOn(Math, "random").mockImplementation(() => draws.shift() ?? 0.5);
  try {
    const a = await api.json("POST", `${NS}/configmaps`, { apiVersion: "v1", kind: "ConfigMap", metadata: { generateName: "gen-" } });
    expect(a.status).toBe(201);
    const b = await api.json("POST", `${NS}/configmaps`, { apiVersion: "v1", kind: "ConfigMap", metadata: { generateName: "gen-" } });
    expect(b.status).toBe(201);
    expect(b.body.metadata.name).not.toBe(a.body.metadata.name);
  } finally {
    spy.mockRestore();
  }
});

describe("events", () => {
  async function eventsAbout(ns: string, name: string): Promise<any[]> {
    const r = await api.json("GET", `/api/v1/namespaces/${ns}/events?fieldSelector=involvedObject.name%3D${name}`);
    expect(r.status).toBe(200);
    return r.body.items;
  }

  test("the controllers' recorder: 1,000 failing reports about one object make 10 Events, repeats one counted Event", async () => {
    const cm = await makeConfigMap("noisy");
    const recorder = new StorageEventRecorder(api.storage, api.registry);
    for (let i = 0; i < 1000; i++) await recorder.record(cm, "Warning", "FailedCreate", `replica ${i} refused`, "replicaset-controller");
    const events = await eventsAbout("default", "noisy");
    expect(events).toHaveLength(10);
    const combined = events.filter((e) => e.message.startsWith("(combined from similar events): "));
    expect(combined).toHaveLength(1);
    // Burst of 25 per source and object: 9 single Events, and the combined one counted 16 times.
    expect(combined[0].count).toBe(16);

    const quiet = await makeConfigMap("repeats");
    for (let i = 0; i < 5; i++) await recorder.record(quiet, "Normal", "Synced", "same message", "test-controller");
    const repeats = await eventsAbout("default", "repeats");
    expect(repeats).toHaveLength(1);
    expect(repeats[0].count).toBe(5);
    // Reported at once, written in any order: the count still ends at the number of reports.
    await Promise.all(Array.from({ length: 5 }, () => recorder.record(quiet, "Normal", "Synced", "same message", "test-controller")));
    expect((await eventsAbout("default", "repeats"))[0].count).toBe(10);
  });

  test("the agent's recorder: creates with a name, patches repeats, throttles a chatty pod", async () => {
    const client = new RestClient({ server: "https://k3rs.test", path: "(test)" }, async (url, init) =>
      api.app.fetch(new Request(url, init), { peer: { authorized: true, subject: { CN: "system:admin", O: "system:masters" } }, signal: init.signal ?? undefined }));
    const agentApi = new AgentApi(client);
    const pod = { apiVersion: "v1", kind: "Pod", metadata: { name: "chatty", namespace: "default", uid: "chatty-uid" } };
    for (let i = 0; i < 5; i++) await agentApi.event(pod, "Warning", "BackOff", "Back-off restarting failed container", "n1");
    let events = await eventsAbout("default", "chatty");
    expect(events).toHaveLength(1);
    expect(events[0].count).toBe(5);
    for (let i = 0; i < 300; i++) await agentApi.event(pod, "Warning", "Failed", `Error: exit ${i}`, "n1");
    events = await eventsAbout("default", "chatty");
    expect(events.length).toBeLessThanOrEqual(11);
  });
});

describe("watch output budget", () => {
  test("watchers that never read are closed once behind, and the server's memory stays bounded", async () => {
    const saved = watchBudget.limits;
    watchBudget.limits = { perWatcherBytes: 512 * 1024, totalBytes: 4 * 1024 * 1024 };
    const closedBefore = watchBudget.closedForLag;
    try {
      await api.json("POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: "floods" } });
      const WATCHERS = 40;
      const aborts: AbortController[] = [];
      const streams: Response[] = [];
      for (let i = 0; i < WATCHERS; i++) {
        const ac = new AbortController();
        aborts.push(ac);
        const res = await api.request("GET", "/api/v1/namespaces/floods/configmaps?watch=1&includeObject=Object", undefined, {
          signal: ac.signal,
          headers: { accept: "application/json;as=Table;v=v1;g=meta.k8s.io" },
        });
        expect(res.status).toBe(200);
        streams.push(res); // never read
      }
      Bun.gc(true);
      const before = process.memoryUsage().heapUsed;
      // 200 writes of ~20 KB: without a bound every watcher holds ~4 MB of table rows (measured: heap +166 MB
      // before the budget, +5 MB with it).
      const big = "x".repeat(20 * 1024);
      expect((await api.json("POST", "/api/v1/namespaces/floods/configmaps", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "big" }, data: { v: big } })).status).toBe(201);
      for (let i = 0; i < 200; i++) {
        const r = await api.json("PUT", "/api/v1/namespaces/floods/configmaps/big", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "big" }, data: { v: big, i: String(i) } });
        expect(r.status).toBe(200);
      }
      Bun.gc(true);
      const grown = process.memoryUsage().heapUsed - before;
      expect(grown).toBeLessThan(48 * 1024 * 1024);
      expect(watchBudget.closedForLag - closedBefore).toBe(WATCHERS);
      expect(watchBudget.usedBytes).toBeLessThanOrEqual(watchBudget.limits.totalBytes);
      // Every closed watch ends for its client (which would now re-watch from its last resourceVersion).
      for (const res of streams) {
        const reader = res.body!.getReader();
        let done = false;
        while (!done) done = (await reader.read()).done;
      }
      // And the server still serves.
      expect((await api.json("GET", "/api/v1/namespaces/floods/configmaps/big")).status).toBe(200);
      for (const ac of aborts) ac.abort();
    } finally {
      watchBudget.limits = saved;
    }
  });

  test("a watch resumed from an old resourceVersion gets its whole history, even past the per-watcher bound", async () => {
    const saved = watchBudget.limits;
    watchBudget.limits = { perWatcherBytes: 64 * 1024, totalBytes: 64 * 1024 * 1024 };
    try {
      await api.json("POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: "resume" } });
      const from = api.store.revision();
      const filler = "y".repeat(4 * 1024);
      for (let i = 0; i < 50; i++) {
        expect((await api.json("POST", "/api/v1/namespaces/resume/configmaps", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: `r${i}` }, data: { v: filler } })).status).toBe(201);
      }
      const ac = new AbortController();
      const res = await api.request("GET", `/api/v1/namespaces/resume/configmaps?watch=1&resourceVersion=${from}`, undefined, { signal: ac.signal });
      const events = await readWatchEvents(res, (evs) => evs.length >= 50);
      ac.abort();
      expect(events.map((e) => e.object.metadata.name)).toEqual(Array.from({ length: 50 }, (_, i) => `r${i}`));
    } finally {
      watchBudget.limits = saved;
    }
  });

  test("watchers that never read hold no copy of their initial state", async () => {
    await api.json("POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: "initial" } });
    const filler = "z".repeat(10 * 1024);
    for (let i = 0; i < 200; i++) {
      expect((await api.json("POST", "/api/v1/namespaces/initial/configmaps", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: `i${i}` }, data: { v: filler } })).status).toBe(201);
    }
    Bun.gc(true);
    const before = process.memoryUsage().heapUsed;
    const aborts: AbortController[] = [];
    for (let i = 0; i < 50; i++) {
      const ac = new AbortController();
      aborts.push(ac);
      const res = await api.request("GET", "/api/v1/namespaces/initial/configmaps?watch=1", undefined, { signal: ac.signal });
      expect(res.status).toBe(200); // never read
    }
    Bun.gc(true);
    const grown = process.memoryUsage().heapUsed - before;
    // 50 watchers × 2 MB of initial state: 100 MB if each held its own rendering (measured: +101 MB before, +1 MB now).
    expect(grown).toBeLessThan(24 * 1024 * 1024);
    for (const ac of aborts) ac.abort();
  });
});
