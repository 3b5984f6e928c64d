/**
 * What client-go's EventCorrelator does before an Event is written, so that a loop that fails
 * every second cannot fill the store with Events (one request once made 143k):
 *
 * 1. Aggregation: events alike but for their message (same source, object, type and reason)
 *    — once 10 distinct messages came within 10 minutes, further ones are folded into one
 *    Event whose message starts "(combined from similar events): ".
 * 2. Counting: an Event identical to one already written (same key, message included)
 *    updates that Event — count + 1, lastTimestamp — instead of writing a new one.
 * 3. Spam filter: each source+object gets a token bucket (burst 25, one more token every
 *    5 minutes); an event finding the bucket empty is dropped. As in client-go the count
 *    still advances, so the next Event written carries the true number.
 *
 * Pure bookkeeping with an injected clock; the caller writes the result (create, or update
 * the named Event). Caches are LRUs of 4096 keys, as client-go's.
 */
import { nowTimestamp, type KubeObject } from "../model/object.ts";

export interface EventSource {
  component: string;
  host?: string;
}

export interface InvolvedObject {
  apiVersion?: string;
  kind?: string;
  namespace?: string;
  name?: string;
  uid?: string;
  fieldPath?: string;
  resourceVersion?: string;
}

export interface EventInput {
  involvedObject: InvolvedObject;
  type: string;
  reason: string;
  message: string;
  source: EventSource;
}

export interface CorrelatedEvent extends EventInput {
  /** The Event's name: new for a first occurrence, the existing one's for a repeat. */
  name: string;
  count: number;
  firstTimestamp: string;
  lastTimestamp: string;
}

export type Correlation =
  | { skip: true }
  /** `repeat`: an Event of this name was written before; update it (create it if it has gone). */
  | { skip: false; event: CorrelatedEvent; repeat: boolean };

export interface EventCorrelatorOptions {
  now?: () => Date;
  /** Distinct messages of similar events before they are combined. Default 10. */
  maxSimilar?: number;
  /** Window for counting similar events. Default 10 minutes. */
  similarWindowMs?: number;
  /** Spam filter bucket size. Default 25. */
  burst?: number;
  /** Spam filter refill, tokens per second. Default 1/300. */
  qps?: number;
  /** Keys remembered by each cache. Default 4096. */
  cacheSize?: number;
}

export const COMBINED_PREFIX = "(combined from similar events): ";

interface SimilarRecord {
  messages: Set<string>;
  lastMs: number;
}

interface ObservedRecord {
  name: string;
  count: number;
  firstTimestamp: string;
}

interface Bucket {
  tokens: number;
  lastMs: number;
}

export class EventCorrelator {
  private readonly now: () => Date;
  private readonly maxSimilar: number;
  private readonly windowMs: number;
  private readonly burst: number;
  private readonly qps: number;
  private readonly similar: Lru<SimilarRecord>;
  private readonly observed: Lru<ObservedRecord>;
  private readonly buckets: Lru<Bucket>;
  private seq = 0;

  constructor(o: EventCorrelatorOptions = {}) {
    this.now = o.now ?? (() => new Date());
    this.maxSimilar = o.maxSimilar ?? 10;
    this.windowMs = o.similarWindowMs ?? 10 * 60_000;
    this.burst = o.burst ?? 25;
    this.qps = o.qps ?? 1 / 300;
    const size = o.cacheSize ?? 4096;
    this.similar = new Lru(size);
    this.observed = new Lru(size);
    this.buckets = new Lru(size);
  }

  correlate(input: EventInput): Correlation {
    const now = this.now();
    const { event, key } = this.aggregate(input, now);
    const observed = this.observe(event, key);
    if (!this.allow(spamKey(input), now.getTime())) return { skip: true };
    return { skip: false, event: observed, repeat: observed.count > 1 };
  }

  /** EventAggregate: past `maxSimilar` distinct messages in the window, one combined Event. */
  private aggregate(input: EventInput, now: Date): { event: CorrelatedEvent; key: string } {
    const stamp = nowTimestamp(now);
    const fresh = (message: string): CorrelatedEvent => ({
      ...input,
      message,
      name: `${input.involvedObject.name ?? "event"}.${this.uniqueSuffix(now)}`,
      count: 1,
      firstTimestamp: stamp,
      lastTimestamp: stamp,
    });
    const similarKey = aggregateKey(input);
    let record = this.similar.get(similarKey);
    if (!record || now.getTime() - record.lastMs > this.windowMs) record = { messages: new Set(), lastMs: now.getTime() };
    record.messages.add(input.message);
    if (record.messages.size < this.maxSimilar) {
      this.similar.set(similarKey, record);
      return { event: fresh(input.message), key: eventKey(input) };
    }
    // Keep the set one short of the limit, so every further distinct message combines too.
    record.messages.delete(record.messages.values().next().value!);
    record.lastMs = now.getTime();
    this.similar.set(similarKey, record);
    return { event: fresh(COMBINED_PREFIX + input.message), key: similarKey };
  }

  /** eventObserve: a key seen before reuses its Event's name and first timestamp, with count + 1. */
  private observe(event: CorrelatedEvent, key: string): CorrelatedEvent {
    const last = this.observed.get(key);
    const out = last ? { ...event, name: last.name, firstTimestamp: last.firstTimestamp, count: last.count + 1 } : event;
    this.observed.set(key, { name: out.name, count: out.count, firstTimestamp: out.firstTimestamp });
    return out;
  }

  /** EventSourceObjectSpamFilter: a token bucket per source+object. */
  private allow(key: string, nowMs: number): boolean {
    const b = this.buckets.get(key) ?? { tokens: this.burst, lastMs: nowMs };
    b.tokens = Math.min(this.burst, b.tokens + ((nowMs - b.lastMs) / 1000) * this.qps);
    b.lastMs = nowMs;
    const ok = b.tokens >= 1;
    if (ok) b.tokens -= 1;
    this.buckets.set(key, b);
    return ok;
  }

  /** client-go uses the time in hex nanoseconds; a counter keeps two events in one millisecond apart. */
  private uniqueSuffix(now: Date): string {
    return (BigInt(now.getTime()) * 1_000_000n + BigInt(this.seq++ % 1_000_000)).toString(16);
  }
}

/** The core/v1 Event for a correlated report. */
export function toEventObject(e: CorrelatedEvent, namespace: string): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Event",
    metadata: { name: e.name, namespace },
    involvedObject: e.involvedObject,
    reason: e.reason,
    message: e.message,
    type: e.type,
    source: e.source,
    reportingComponent: e.source.component,
    reportingInstance: e.source.host || e.source.component,
    firstTimestamp: e.firstTimestamp,
    lastTimestamp: e.lastTimestamp,
    count: e.count,
  };
}

const sep = "\u0000";

function objectKey(e: EventInput): string[] {
  const o = e.involvedObject;
  return [e.source.component, e.source.host ?? "", o.kind ?? "", o.namespace ?? "", o.name ?? "", o.uid ?? "", o.apiVersion ?? ""];
}

function spamKey(e: EventInput): string {
  return objectKey(e).join(sep);
}

function aggregateKey(e: EventInput): string {
  return [...objectKey(e), e.type, e.reason].join(sep);
}

function eventKey(e: EventInput): string {
  return [...objectKey(e), e.involvedObject.fieldPath ?? "", e.type, e.reason, e.message].join(sep);
}

/** A Map kept in recency order: get and set move a key to the end; the oldest go first. */
class Lru<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly size: number) {}

  get(key: string): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }

  set(key: string, v: V): void {
    this.map.delete(key);
    this.map.set(key, v);
    if (this.map.size > this.size) this.map.delete(this.map.keys().next().value!);
  }
}
