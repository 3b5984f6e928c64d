/**
 * A WebSocket echo server made of busybox tools alone (the test image has no other): `nc -ll
 * -e` runs WS_SCRIPT per connection, which reads the upgrade request, answers 101 with
 * Sec-WebSocket-Accept = base64(SHA-1(key + RFC 6455's GUID)) (sha1sum's hex turned to bytes by
 * `xxd -r -p`), sends the text frame `hello from <hostname>`, then unmasks each client text
 * frame (payloads < 126 bytes; `od` for the bytes, shell XOR with the mask) and answers
 * `echo:<text>`, until a close frame, which it answers with a close frame.
 */

export const WS_PORT = 8090;

/** RFC 6455 §1.3; a wrong GUID shows as Bun's "Mismatch websocket accept header". */
const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

export const WS_SCRIPT = `cr=$(printf '\\r')
key=
while IFS= read -r line; do
  line=\${line%"$cr"}
  [ -z "$line" ] && break
  case "$line" in [Ss]ec-[Ww]eb[Ss]ocket-[Kk]ey:*) key=\${line#*:}; key=\${key# } ;; esac
done
[ -n "$key" ] || exit 0
accept=$(printf '%s' "\${key}${GUID}" | sha1sum | cut -c1-40 | xxd -r -p | base64)
printf 'HTTP/1.1 101 Switching Protocols\\r\\nUpgrade: websocket\\r\\nConnection: Upgrade\\r\\nSec-WebSocket-Accept: %s\\r\\n\\r\\n' "$accept"
frame() { printf "\\\\201\\\\$(printf %o \${#1})%s" "$1"; }
bytes() { dd bs=1 count=$1 2>/dev/null | od -An -tu1 -v; }
frame "hello from $(hostname)"
while :; do
  set -- $(bytes 2)
  [ $# -eq 2 ] || exit 0
  op=$(( $1 & 15 )) len=$(( $2 & 127 ))
  [ $len -lt 126 ] || exit 0
  set -- $(bytes 4)
  text= i=0
  for b in $(bytes $len); do
    eval k=\\\${$(( i % 4 + 1 ))}
    text="$text$(printf "\\\\$(printf %o $(( b ^ k )))")"
    i=$(( i + 1 ))
  done
  if [ $op -eq 8 ]; then printf '\\210\\000'; exit 0; fi
  frame "echo:$text"
done
`;

/** A pod serving WS_SCRIPT on WS_PORT (the script is handed over in an env variable); Ready once the port accepts. */
export function webSocketPod(name: string, namespace: string, node: string): object {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace, labels: { app: name } },
    spec: {
      nodeSelector: { "kubernetes.io/hostname": node },
      terminationGracePeriodSeconds: 1,
      containers: [
        {
          name: "ws",
          image: "busybox",
          env: [{ name: "WS_SCRIPT", value: WS_SCRIPT }],
          command: ["sh", "-c", `printf '%s' "$WS_SCRIPT" > /tmp/ws.sh; exec nc -ll -p ${WS_PORT} -e sh /tmp/ws.sh`],
          readinessProbe: { tcpSocket: { port: WS_PORT }, periodSeconds: 1 },
        },
      ],
    },
  };
}
