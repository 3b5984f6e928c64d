import { describe, expect, test } from "bun:test";
import { parsePodLogOptions, podLogQuery, sinceNanos } from "./pod-log-options.ts";
import { StatusError } from "./errors.ts";

const parse = (q: string) => parsePodLogOptions(new URLSearchParams(q), "web");

describe("PodLogOptions", () => {
  test("kubectl's query decodes and re-encodes for the node", () => {
    const o = parse("container=app&follow=true&tailLines=10&timestamps=true&limitBytes=500&sinceSeconds=60&insecureSkipTLSVerifyBackend=true");
    expect(o).toEqual({ container: "app", follow: true, previous: false, timestamps: true, tailLines: 10, limitBytes: 500, sinceSeconds: 60, sinceTime: undefined });
    expect(podLogQuery(o)).toBe("?follow=true&timestamps=true&sinceSeconds=60&tailLines=10&limitBytes=500");
    expect(podLogQuery(parse(""))).toBe("");
  });

  test.each([
    ["follow=yes", 400],
    ["tailLines=ten", 400],
    ["sinceTime=yesterday", 400],
    ["tailLines=-1", 422],
    ["limitBytes=0", 422],
    ["sinceSeconds=0", 422],
    ["sinceSeconds=5&sinceTime=2024-01-01T00:00:00Z", 422],
  ])("%s is refused with %d", (q, code) => {
    try {
      parse(q);
      throw new Error("accepted");
    } catch (e) {
      expect((e as StatusError).code).toBe(code);
    }
  });

  test("the 422 reads as the apiserver's", () => {
    expect(() => parse("tailLines=-1")).toThrow('PodLogOptions "web" is invalid: tailLines: Invalid value: -1: must be greater than or equal to 0');
  });

  test("since: seconds back from now, or an RFC 3339 time", () => {
    expect(sinceNanos(parse("sinceSeconds=2"), 10_000)).toBe(8_000_000_000n);
    expect(sinceNanos(parse("sinceTime=1970-01-01T00:00:05Z"), 10_000)).toBe(5_000_000_000n);
    expect(sinceNanos(parse(""), 10_000)).toBeUndefined();
  });
});
