/**
 * Requests to an in-process API as someone other than the admin: a client certificate's
 * identity (CN = user, O = groups), or a bearer token without any certificate.
 */
import type { TestApi } from "./api-harness.ts";

export interface Caller {
  json(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any }>;
}

export function asUser(api: TestApi, user: string, groups: string[] = []): Caller {
  return caller(api, { authorized: true, subject: { CN: user, O: groups.length === 1 ? groups[0] : groups.length ? groups : undefined } });
}

export function withToken(api: TestApi, token: string): Caller {
  return caller(api, { authorized: false }, { authorization: `Bearer ${token}` });
}

function caller(api: TestApi, peer: { authorized: boolean; subject?: any }, extra: Record<string, string> = {}): Caller {
  return {
    async json(method, path, body, headers = {}) {
      const h: Record<string, string> = { ...extra, ...headers };
      if (body !== undefined) h["content-type"] ??= "application/json";
      const req = new Request(`https://k3rs.test${path}`, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
      const res = await api.app.fetch(req, { peer, signal: req.signal });
      const text = await res.text();
      let parsed: any = text;
      try {
        parsed = JSON.parse(text);
      } catch {}
      return { status: res.status, body: parsed };
    },
  };
}
