import { describe, expect, test } from "bun:test";
import { nextAfter, parseSchedule } from "./cron-schedule.ts";

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

/** The next n activations after `from`, in UTC. */
function next(expr: string, from: string, n = 1, tz = "UTC"): (string | undefined)[] {
  const s = parseSchedule(expr);
  const out: (string | undefined)[] = [];
  let t = at(from);
  for (let i = 0; i < n; i++) {
    const nt = nextAfter(s, t, tz);
    out.push(iso(nt));
    if (nt === undefined) break;
    t = nt;
  }
  return out;
}

describe("cron schedules", () => {
  test.each([
    ["* * * * *", "2026-03-01T10:00:30Z", 2, ["2026-03-01T10:01:00.000Z", "2026-03-01T10:02:00.000Z"]],
    ["*/15 * * * *", "2026-03-01T10:07:00Z", 3, ["2026-03-01T10:15:00.000Z", "2026-03-01T10:30:00.000Z", "2026-03-01T10:45:00.000Z"]],
    ["5-10/5 * * * *", "2026-03-01T10:00:00Z", 3, ["2026-03-01T10:05:00.000Z", "2026-03-01T10:10:00.000Z", "2026-03-01T11:05:00.000Z"]],
    ["50/5 * * * *", "2026-03-01T10:00:00Z", 3, ["2026-03-01T10:50:00.000Z", "2026-03-01T10:55:00.000Z", "2026-03-01T11:50:00.000Z"]],
    ["0 9,17 * * mon-fri", "2026-03-06T18:00:00Z", 2, ["2026-03-09T09:00:00.000Z", "2026-03-09T17:00:00.000Z"]],
    ["30 2 1 JAN,jul *", "2026-03-01T00:00:00Z", 2, ["2026-07-01T02:30:00.000Z", "2027-01-01T02:30:00.000Z"]],
    ["@hourly", "2026-03-01T10:00:00Z", 1, ["2026-03-01T11:00:00.000Z"]],
    ["@daily", "2026-03-01T10:00:00Z", 1, ["2026-03-02T00:00:00.000Z"]],
    ["@weekly", "2026-03-04T10:00:00Z", 1, ["2026-03-08T00:00:00.000Z"]],
    ["@monthly", "2026-03-04T10:00:00Z", 1, ["2026-04-01T00:00:00.000Z"]],
    ["@yearly", "2026-03-04T10:00:00Z", 1, ["2027-01-01T00:00:00.000Z"]],
    ["0 0 29 2 *", "2026-03-01T00:00:00Z", 1, ["2028-02-29T00:00:00.000Z"]],
    ["0 0 30 2 *", "2026-03-01T00:00:00Z", 1, [undefined]],
  ])("%p after %p", (expr, from, n, want) => {
    expect(next(expr, from, n)).toEqual(want);
  });

  test("both day fields restricted: either matches; one a star: both must", () => {
    // The 13th or any Friday (2026-03-06 is a Friday).
    expect(next("0 0 13 * 5", "2026-03-01T00:00:00Z", 3)).toEqual(["2026-03-06T00:00:00.000Z", "2026-03-13T00:00:00.000Z", "2026-03-20T00:00:00.000Z"]);
    expect(next("0 0 * * 5", "2026-03-07T00:00:00Z")).toEqual(["2026-03-13T00:00:00.000Z"]);
    // A step > 1 makes the field restricted, as robfig/cron has it.
    expect(next("0 0 */2 * 1", "2026-03-01T12:00:00Z", 2)).toEqual(["2026-03-02T00:00:00.000Z", "2026-03-03T00:00:00.000Z"]);
  });

  test("a time zone: 09:00 in Berlin is 08:00 UTC in winter, 07:00 in summer", () => {
    expect(next("0 9 * * *", "2026-03-01T00:00:00Z", 1, "Europe/Berlin")).toEqual(["2026-03-01T08:00:00.000Z"]);
    expect(next("0 9 * * *", "2026-07-01T00:00:00Z", 1, "Europe/Berlin")).toEqual(["2026-07-01T07:00:00.000Z"]);
    expect(next("30 2 * * *", "2026-03-29T00:00:00Z", 1, "Europe/Berlin")).toEqual(["2026-03-30T00:30:00.000Z"]);
  });

  test("@every counts from the last run", () => {
    expect(next("@every 1h30m", "2026-03-01T10:00:00Z", 2)).toEqual(["2026-03-01T11:30:00.000Z", "2026-03-01T13:00:00.000Z"]);
  });

  test.each([
    ["* * * *", "expected exactly 5 fields, found 4: [* * * *]"],
    ["60 * * * *", "end of range (60) above maximum (59): 60"],
    ["* * 0 * *", "beginning of range (0) below minimum (1): 0"],
    ["5-1 * * * *", "beginning of range (5) beyond end of range (1): 5-1"],
    ["*/0 * * * *", "step of range should be a positive number: */0"],
    ["* * * foo *", 'failed to parse int from foo: strconv.Atoi: parsing "foo": invalid syntax'],
    ["* * * * 7", "end of range (7) above maximum (6): 7"],
    ["@fortnightly", "unrecognized descriptor: @fortnightly"],
    ["@every soon", 'failed to parse duration @every soon: time: invalid duration "soon"'],
  ])("%p is refused: %s", (expr, message) => {
    expect(() => parseSchedule(expr)).toThrow(message);
  });
});
