import { expect, test } from "bun:test";
import type { RestClient } from "../client/rest-client.ts";
import type { KubeObject } from "../model/object.ts";
import { AgentApi } from "./agent-api.ts";

/** A client that records the order requests reach it. */
function recordingClient(sent: string[]): RestClient {
  return {
    request: async (path: string, o: { method?: string } = {}) => {
      sent.push(`${o.method ?? "GET"} ${path}`);
      return {};
    },
  } as unknown as RestClient;
}

const pod: KubeObject = { apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "ns", uid: "u1" }, spec: {} };

test("an event recorded before a status write in the same turn is sent after it", async () => {
  const sent: string[] = [];
  const api = new AgentApi(recordingClient(sent));
  const event = api.event(pod, "Normal", "Started", "Started container c", "node-1");
  await api.patchPodStatus(pod, { phase: "Running" });
  await event;
  expect(sent).toEqual(["PATCH /api/v1/namespaces/ns/pods/p/status", "POST /api/v1/namespaces/ns/events"]);
});
