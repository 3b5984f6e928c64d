import { describe, expect, test } from "bun:test";
import { formatPromFloat, parsePromText, PromParseError, renderFamily } from "./prom-text.ts";

describe("formatPromFloat is Go's FormatFloat(v, 'g', -1, 64)", () => {
  test.each([
    [0, "0"],
    [1, "1"],
    [37.603542, "37.603542"],
    [123456, "123456"],
    [999999.5, "999999.5"],
    [1e6, "1e+06"],
    [17547264, "1.7547264e+07"],
    [1234567.5, "1.2345675e+06"],
    [1.6497844e9, "1.6497844e+09"],
    [0.0001, "0.0001"],
    [0.00001, "1e-05"],
    [1.5e-7, "1.5e-07"],
    [1e21, "1e+21"],
    [1e100, "1e+100"],
    [-2.5, "-2.5"],
    [-17547264, "-1.7547264e+07"],
    [Infinity, "+Inf"],
    [-Infinity, "-Inf"],
    [NaN, "NaN"],
  ])("%p → %p", (v, text) => {
    expect(formatPromFloat(v)).toBe(text);
  });
});

describe("renderFamily", () => {
  test("HELP, TYPE and samples with sorted, escaped labels and millisecond timestamps", () => {
    const text = renderFamily({
      name: "container_memory_working_set_bytes", help: "Current working set\\of it", type: "gauge",
      samples: [
        { labels: { pod: "web", namespace: "default", container: 'a"b' }, value: 17547264, timestampMs: 1700000000123.9 },
        { labels: {}, value: 0 },
      ],
    });
    expect(text).toBe(
      "# HELP container_memory_working_set_bytes Current working set\\\\of it\n" +
        "# TYPE container_memory_working_set_bytes gauge\n" +
        'container_memory_working_set_bytes{container="a\\"b",namespace="default",pod="web"} 1.7547264e+07 1700000000123\n' +
        "container_memory_working_set_bytes 0\n",
    );
  });

  test("a family without samples prints nothing", () => {
    expect(renderFamily({ name: "x", help: "h", type: "counter", samples: [] })).toBe("");
  });
});

describe("parsePromText", () => {
  test("reads what renderFamily writes, and the kubelet's own text", () => {
    const rendered = renderFamily({
      name: "m", help: "h", type: "gauge",
      samples: [{ labels: { a: 'x"y\\z\nw', b: "" }, value: 0.5, timestampMs: 42 }],
    });
    expect(parsePromText(rendered)).toEqual([{ name: "m", labels: { a: 'x"y\\z\nw', b: "" }, value: 0.5, timestampMs: 42 }]);
    const kubelet = [
      "# HELP node_cpu_usage_seconds_total [STABLE] Cumulative cpu time consumed by the node in core-seconds",
      "# TYPE node_cpu_usage_seconds_total counter",
      "node_cpu_usage_seconds_total 357.35491 1633253812125",
      'container_cpu_usage_seconds_total{container="metrics-server",namespace="kube-system",pod="metrics-server-5b5f6f6c9b-9x4rn"} 4.710563 1633253812125',
      "",
      "resource_scrape_error 0",
    ].join("\n");
    expect(parsePromText(kubelet)).toEqual([
      { name: "node_cpu_usage_seconds_total", labels: {}, value: 357.35491, timestampMs: 1633253812125 },
      {
        name: "container_cpu_usage_seconds_total",
        labels: { container: "metrics-server", namespace: "kube-system", pod: "metrics-server-5b5f6f6c9b-9x4rn" },
        value: 4.710563, timestampMs: 1633253812125,
      },
      { name: "resource_scrape_error", labels: {}, value: 0 },
    ]);
  });

  test("special values, spaces and a trailing comma in the label set", () => {
    expect(parsePromText('a{ x="1", } +Inf\nb -Inf\nc NaN 7\n').map((s) => [s.name, s.labels, s.value, s.timestampMs])).toEqual([
      ["a", { x: "1" }, Infinity, undefined],
      ["b", {}, -Infinity, undefined],
      ["c", {}, NaN, 7],
    ]);
  });

  test.each([
    ["{x=\"1\"} 1", "line 1: expected a metric name"],
    ["m{x=1} 1", "line 1: expected =\"…\" after label x"],
    ['m{x="1} 1', "line 1: unterminated value of label x"],
    ["m", "line 1: expected a value and an optional timestamp"],
    ["m one", 'line 1: invalid value "one"'],
    ["m 1 2 3", "line 1: expected a value and an optional timestamp"],
    ["ok 1\nm 1 1.5", 'line 2: invalid timestamp "1.5"'],
  ])("%p is refused: %p", (text, message) => {
    expect(() => parsePromText(text)).toThrow(PromParseError);
    expect(() => parsePromText(text)).toThrow(message);
  });
});
