import { describe, expect, test } from "bun:test";
import { StatusError } from "../../model/errors.ts";
import { agentPath, isPodStream } from "./pod-stream.ts";

const q = (s: string) => new URLSearchParams(s);

describe("pods/exec, attach, portforward → the kubelet's paths", () => {
  test.each([
    ["exec: kubectl's query, booleans as 1, the command kept in order", "exec", "app", "command=sh&command=-c&command=echo+a+b&container=app&stdin=true&stdout=true&stderr=true&tty=false",
      "/exec/ns/web/app?stdin=1&stdout=1&stderr=1&command=sh&command=-c&command=echo+a+b"],
    ["exec: ParseBool's spellings", "exec", "app", "stdout=T&stderr=0&tty=True", "/exec/ns/web/app?stdout=1&tty=1"],
    ["attach: no command", "attach", "app", "stdin=1&stdout=1&tty=1&command=ignored", "/attach/ns/web/app?stdin=1&stdout=1&tty=1"],
    ["portforward: ports joined", "portforward", undefined, "ports=8080&ports=9090,80", "/portForward/ns/web?ports=8080%2C9090%2C80"],
    ["portforward: none", "portforward", undefined, "", "/portForward/ns/web"],
  ] as const)("%s", (_name, kind, container, query, want) => {
    expect(agentPath(kind, "ns", "web", container, q(query))).toBe(want);
  });

  test("names are escaped into the path", () => {
    expect(agentPath("exec", "a b", "c/d", "e", q("stdout=1"))).toBe("/exec/a%20b/c%2Fd/e?stdout=1");
  });

  test.each([
    ["exec", "stdin=yes", "invalid value for stdin"],
    ["portforward", "ports=0", "invalid port \"0\""],
    ["portforward", "ports=http", "invalid port \"http\""],
    ["portforward", "ports=70000", "ports must be in the range 1-65535"],
  ] as const)("%s with %s is a 400", (kind, query, message) => {
    try {
      agentPath(kind, "ns", "web", "app", q(query));
      throw new Error("accepted");
    } catch (e) {
      expect(e).toBeInstanceOf(StatusError);
      expect((e as StatusError).code).toBe(400);
      expect((e as StatusError).message).toContain(message);
    }
  });

  test("only the three streaming subresources are streams", () => {
    expect(["exec", "attach", "portforward", "log", "status", undefined].map(isPodStream)).toEqual([true, true, true, false, false, false]);
  });
});
