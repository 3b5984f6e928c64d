/**
 * Node credentials over HTTP. `/cacerts` and `/v1-k3rs/join` are how an agent without
 * credentials gets them: both paths are public (the join token in the request is the
 * credential). `/v1-k3rs/renew` is how a joined agent renews them: behind the API's
 * authentication like any request (401 for an expired certificate), and its TLS certificate
 * is what names the node. Bodies are read with the API's own limits, like any other.
 */
import type { Hono } from "hono";
import { decodeBody, readBody } from "../api/request.ts";
import { NODE_RENEW_PATH } from "../model/node-credentials.ts";
import type { JoinService } from "./join.ts";

export function registerJoinRoutes(app: Hono<any>, join: JoinService): void {
  app.get("/cacerts", (c) => c.text(join.caPem));
  app.post("/v1-k3rs/join", async (c) => {
    // JSON whatever the content type says (agents of every version send JSON), within the API's size and depth limits.
    const body = decodeBody("application/json", await readBody(c.req.raw), ["application/json"]);
    return c.json(await join.join(c.req.header("authorization"), body));
  });
  app.post(NODE_RENEW_PATH, async (c) => {
    const body = decodeBody("application/json", await readBody(c.req.raw), ["application/json"]);
    return c.json(await join.renew(c.env?.peer ?? { authorized: false }, body));
  });
}
