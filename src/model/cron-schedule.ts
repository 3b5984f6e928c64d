/**
 * Cron schedules as CronJob accepts them (the standard 5-field form that Kubernetes parses
 * with robfig/cron's ParseStandard): minute hour day-of-month month day-of-week, each a `*`,
 * `?`, number, name (jan–dec, sun–sat), range `a-b`, step `*\/n`, `a-b/n` or `a/n`, or a list
 * of those; the macros @yearly @annually @monthly @weekly @daily @midnight @hourly; and
 * `@every <duration>`. Times are read in an IANA time zone (`spec.timeZone`) or the
 * server's local zone.
 */
import { parseGoDuration } from "./duration.ts";

export type Schedule =
  | { kind: "cron"; minute: Set<number>; hour: Set<number>; dom: Set<number>; month: Set<number>; dow: Set<number>; domStar: boolean; dowStar: boolean }
  | { kind: "every"; ms: number };

export class ScheduleError extends Error {}

interface Field {
  name: string;
  min: number;
  max: number;
  names?: string[];
}

const FIELDS: Field[] = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day of month", min: 1, max: 31 },
  { name: "month", min: 1, max: 12, names: ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"] },
  { name: "day of week", min: 0, max: 6, names: ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] },
];

const MACROS: Record<string, string> = {
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
  "@monthly": "0 0 1 * *",
  "@weekly": "0 0 * * 0",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@hourly": "0 * * * *",
};

/** @every's duration; robfig rounds it to whole seconds, at least one. */
function parseEvery(text: string): number {
  let ms: number;
  try {
    ms = parseGoDuration(text);
  } catch (e) {
    throw new ScheduleError(`failed to parse duration @every ${text}: ${(e as Error).message}`);
  }
  if (ms <= 0) throw new ScheduleError(`failed to parse duration @every ${text}: time: invalid duration "${text}"`);
  return Math.max(1000, Math.floor(ms / 1000) * 1000);
}

function parseValue(text: string, f: Field): number {
  const lower = text.toLowerCase();
  const named = f.names?.indexOf(lower) ?? -1;
  if (named >= 0) return f.min + named;
  if (!/^\d+$/.test(text)) throw new ScheduleError(`failed to parse int from ${text}: strconv.Atoi: parsing "${text}": invalid syntax`);
  return Number(text);
}

/** One field into its set of values; `star` when it began with * or ? and has no step > 1. */
function parseField(text: string, f: Field): { values: Set<number>; star: boolean } {
  const values = new Set<number>();
  let star = false;
  for (const part of text.split(",")) {
    const [range, stepText, ...extra] = part.split("/");
    if (extra.length || range === undefined || range === "") throw new ScheduleError(`too many slashes: ${part}`);
    const bounds = range.split("-");
    let lo: number;
    let hi: number;
    let partStar = false;
    if (range === "*" || range === "?") {
      lo = f.min;
      hi = f.max;
      partStar = true;
    } else {
      if (bounds.length > 2) throw new ScheduleError(`too many hyphens: ${range}`);
      lo = parseValue(bounds[0]!, f);
      // "a/n" means from a to the end.
      hi = bounds.length === 2 ? parseValue(bounds[1]!, f) : stepText !== undefined ? f.max : lo;
    }
    let step = 1;
    if (stepText !== undefined) {
      if (!/^\d+$/.test(stepText)) throw new ScheduleError(`failed to parse int from ${stepText}: strconv.Atoi: parsing "${stepText}": invalid syntax`);
      step = Number(stepText);
      if (step === 0) throw new ScheduleError(`step of range should be a positive number: ${part}`);
      if (step > 1) partStar = false;
    }
    if (lo < f.min) throw new ScheduleError(`beginning of range (${lo}) below minimum (${f.min}): ${part}`);
    if (hi > f.max) throw new ScheduleError(`end of range (${hi}) above maximum (${f.max}): ${part}`);
    if (lo > hi) throw new ScheduleError(`beginning of range (${lo}) beyond end of range (${hi}): ${part}`);
    for (let v = lo; v <= hi; v += step) values.add(v);
    star ||= partStar;
  }
  return { values, star };
}

export function parseSchedule(text: string): Schedule {
  const trimmed = text.trim();
  if (trimmed.startsWith("@every ")) return { kind: "every", ms: parseEvery(trimmed.slice(7).trim()) };
  const expanded = trimmed.startsWith("@") ? MACROS[trimmed.toLowerCase()] : trimmed;
  if (!expanded) throw new ScheduleError(`unrecognized descriptor: ${trimmed}`);
  const parts = expanded.split(/\s+/).filter(Boolean);
  if (parts.length !== 5) throw new ScheduleError(`expected exactly 5 fields, found ${parts.length}: [${parts.join(" ")}]`);
  const [minute, hour, dom, month, dow] = parts.map((p, i) => parseField(p, FIELDS[i]!));
  return { kind: "cron", minute: minute!.values, hour: hour!.values, dom: dom!.values, month: month!.values, dow: dow!.values, domStar: dom!.star, dowStar: dow!.star };
}

interface LocalFields {
  minute: number;
  hour: number;
  day: number;
  month: number;
  weekday: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
const WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

/** Wall-clock fields of an instant in a zone (undefined: the process's local zone). */
function localFields(ms: number, timeZone: string | undefined): LocalFields {
  if (!timeZone) {
    const d = new Date(ms);
    return { minute: d.getMinutes(), hour: d.getHours(), day: d.getDate(), month: d.getMonth() + 1, weekday: d.getDay() };
  }
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", { timeZone, hourCycle: "h23", minute: "numeric", hour: "numeric", day: "numeric", month: "numeric", weekday: "short" });
    formatters.set(timeZone, f);
  }
  const parts: Record<string, string> = {};
  for (const p of f.formatToParts(new Date(ms))) parts[p.type] = p.value;
  return { minute: Number(parts.minute), hour: Number(parts.hour), day: Number(parts.day), month: Number(parts.month), weekday: WEEKDAYS.indexOf(parts.weekday!) };
}

/** Whether a zone name is one this runtime knows (validation of spec.timeZone). */
export function isKnownTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone });
    return true;
  } catch {
    return false;
  }
}

const MINUTE = 60_000;
/** robfig gives up after five years without a match (e.g. "0 0 30 2 *"). */
const SEARCH_LIMIT_MS = 5 * 366 * 24 * 60 * MINUTE;

/** The first activation strictly after `afterMs`, or undefined when there is none. */
export function nextAfter(s: Schedule, afterMs: number, timeZone?: string): number | undefined {
  if (s.kind === "every") return Math.floor(afterMs / 1000) * 1000 + s.ms;
  let t = Math.floor(afterMs / MINUTE) * MINUTE + MINUTE;
  const limit = t + SEARCH_LIMIT_MS;
  while (t < limit) {
    const f = localFields(t, timeZone);
    const domOk = s.dom.has(f.day);
    const dowOk = s.dow.has(f.weekday);
    // Both fields restricted: either may match (cron's rule); otherwise both must.
    const dayOk = s.domStar || s.dowStar ? domOk && dowOk : domOk || dowOk;
    if (!s.month.has(f.month) || !dayOk) t += ((24 - f.hour) * 60 - f.minute) * MINUTE;
    else if (!s.hour.has(f.hour)) t += (60 - f.minute) * MINUTE;
    else if (!s.minute.has(f.minute)) t += MINUTE;
    else return t;
  }
  return undefined;
}
