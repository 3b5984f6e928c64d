import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import tls from "node:tls";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureServerPki, type ServerPki } from "../../pki/bootstrap.ts";
import { createTlsListener, PLAIN_HTTP_ANSWER } from "./tls-accept.ts";

let dir: string;
let pki: ServerPki;
let server: net.Server;
let port: number;
const secured: tls.TLSSocket[] = [];
let expired = 0;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "k3rs-tls-accept-"));
  pki = await ensureServerPki(dir, { hostnames: ["localhost"], ips: ["127.0.0.1"] });
  server = createTlsListener({
    certPem: pki.serving.certPem, keyPem: pki.serving.keyPem, caPem: pki.ca.certPem, handshakeMs: 100,
    onHandshakeExpired: () => expired++,
    onSecure: (s) => {
      secured.push(s);
      s.end(`hello ${s.authorized ? (s.getPeerCertificate().subject as { CN?: string }).CN : "anonymous"}`);
    },
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  port = (server.address() as net.AddressInfo).port;
});
afterAll(() => {
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

function rawExchange(send?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = net.connect(port, "127.0.0.1", () => send !== undefined && c.write(send));
    let got = "";
    c.on("data", (d) => (got += d));
    c.on("close", () => resolve(got));
    c.on("error", reject);
  });
}

describe("TLS accept", () => {
  test("plain HTTP gets Go's 400 text, then the connection is closed", async () => {
    expect(await rawExchange("GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n")).toBe(PLAIN_HTTP_ANSWER);
    expect(PLAIN_HTTP_ANSWER).toBe("HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n");
  });

  test("a connection that never sends a ClientHello is closed by the server, and said so", async () => {
    const before = expired;
    expect(await rawExchange()).toBe("");
    expect(expired).toBe(before + 1);
  });

  test("a handshake that stalls after the first bytes is closed by the server", async () => {
    const before = expired;
    expect(await rawExchange("\x16\x03\x01")).toBe("");
    expect(expired).toBe(before + 1);
  });

  test("a TLS client is handed over with its certificate", async () => {
    const text = await new Promise<string>((resolve, reject) => {
      const c = tls.connect({ port, host: "127.0.0.1", ca: pki.ca.certPem, cert: pki.admin.certPem, key: pki.admin.keyPem, servername: "localhost" });
      let got = "";
      c.on("data", (d) => (got += d));
      c.on("end", () => resolve(got));
      c.on("error", reject);
    });
    expect(text).toBe("hello system:admin");
    expect(secured.length).toBe(1);
  });

  test("a certificate from another CA is not authorized (the wrapped socket still verifies against the cluster CA)", async () => {
    const foreign = await ensureServerPki(join(dir, "foreign"), { hostnames: ["localhost"], ips: ["127.0.0.1"] });
    const text = await new Promise<string>((resolve, reject) => {
      const c = tls.connect({ port, host: "127.0.0.1", rejectUnauthorized: false, cert: foreign.admin.certPem, key: foreign.admin.keyPem });
      let got = "";
      c.on("data", (d) => (got += d));
      c.on("end", () => resolve(got));
      c.on("error", reject);
    });
    expect(text).toBe("hello anonymous");
  });
});
