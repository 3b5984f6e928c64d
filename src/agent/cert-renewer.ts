/**
 * Keeps a node's client certificate valid while the agent runs (the kubelet's certificate
 * manager; K3s agents renew theirs through the server the same way). At start and then at
 * least hourly — sooner when the renewal time (pki/renewal.ts: the last 90 days, or the last
 * quarter of a short lifetime) comes first — it asks the server for a new key and certificate,
 * authenticated by the current certificate and the node password, writes them atomically and
 * hands them to the node's REST client: every new request, watch and tunnel connection
 * presents the new certificate; connections already open carry on. No restart, no token.
 *
 * An expired certificate cannot renew (the server refuses it with 401): the agent says so, and
 * its next start joins again with the token (join.ts).
 */
import type { RestClient } from "../client/rest-client.ts";
import { NODE_RENEW_PATH, type NodeCredentialsResponse } from "../model/node-credentials.ts";
import { renewAt, renewalState, validity } from "../pki/renewal.ts";
import { sleep } from "../lib/sleep.ts";
import { log } from "../log.ts";
import { writeNodePair } from "./join.ts";

export interface CertRenewerOptions {
  /** The node's client: its config holds the certificate in use, and gets the renewed one. */
  client: RestClient;
  nodeName: string;
  nodePassword: string;
  /** The agent's credentials dir, rewritten on renewal; absent: kept in memory (the server's own node). */
  credentialsDir?: string;
  signal: AbortSignal;
  /** The longest wait between two checks; default an hour. */
  checkEveryMs?: number;
  /** Told after every renewal, with the new pair. */
  onRenewed?: (pair: NodeCredentialsResponse) => void;
}

const HOUR_MS = 3_600_000;
/** A failed renewal is retried sooner than the next check, but not in a tight loop. */
const MIN_RETRY_MS = 1_000;
const MAX_RETRY_MS = 60_000;

export class CertRenewer {
  constructor(private readonly o: CertRenewerOptions) {}

  start(): this {
    void this.run();
    return this;
  }

  /** Renews when the certificate in use is due; throws when renewal failed. */
  async check(now = new Date()): Promise<"renewed" | "not-due"> {
    const current = this.currentCert();
    const state = renewalState(current, now);
    if (state === "ok") return "not-due";
    if (state === "expired") {
      throw new Error(`the node certificate expired at ${validity(current).notAfter.toISOString()} and cannot be renewed; restart the agent with --token to join again`);
    }
    const pair = await this.o.client.request<NodeCredentialsResponse>(NODE_RENEW_PATH, {
      method: "POST",
      body: { nodeName: this.o.nodeName, nodePassword: this.o.nodePassword },
      signal: this.o.signal,
    });
    if (this.o.credentialsDir) writeNodePair(this.o.credentialsDir, pair);
    this.o.client.useCredentials(pair);
    log.info("agent: node certificate renewed", { node: this.o.nodeName, notAfter: validity(pair.certPem).notAfter.toISOString() });
    this.o.onRenewed?.(pair);
    return "renewed";
  }

  private currentCert(): string {
    const cert = this.o.client.config.cert;
    if (!cert) throw new Error("the node's client has no certificate to renew");
    return cert;
  }

  /** Until the certificate in use expires; 0 when it cannot be read. */
  private msLeft(): number {
    try {
      return validity(this.currentCert()).notAfter.getTime() - Date.now();
    } catch {
      return 0;
    }
  }

  private async run(): Promise<void> {
    const every = this.o.checkEveryMs ?? HOUR_MS;
    if (!this.o.client.config.cert) return; // an in-process test client: nothing to renew
    while (!this.o.signal.aborted) {
      let wait: number;
      try {
        await this.check();
        wait = Math.min(every, renewAt(validity(this.currentCert())).getTime() - Date.now());
      } catch (e) {
        if (this.o.signal.aborted) return;
        const left = this.msLeft();
        log.error("agent: renewing the node certificate failed", { node: this.o.nodeName, error: (e as Error).message, expiresInMs: left });
        wait = left <= 0 ? every : Math.min(every, Math.max(MIN_RETRY_MS, Math.min(MAX_RETRY_MS, left / 10)));
      }
      await sleep(Math.max(MIN_RETRY_MS, wait), this.o.signal);
    }
  }
}
