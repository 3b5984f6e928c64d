#!/bin/sh
# k3rs installer.
#
#   From a clone of the repository:   ./install.sh
#   Air-gapped, executable beside it: ./install.sh   (uses ./k3rs or ./bin/k3rs when present)
#
# Installs prerequisites where missing, builds or takes the executable, installs it to
# /usr/local/bin/k3rs, writes /etc/k3rs/config.yaml (if absent), starts `k3rs server` under
# systemd (or, without systemd, as a supervised background process logging to
# /var/log/k3rs/k3rs.log), waits until the API is ready, and prints how to use kubectl.
#
# Environment: K3RS_DATA_DIR, K3RS_HTTPS_LISTEN_PORT, INSTALL_K3RS_SKIP_START=true,
# INSTALL_K3RS_BIN_DIR (default /usr/local/bin).
set -eu

info() { echo "[k3rs] $*"; }
fatal() { echo "[k3rs] ERROR: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || fatal "run as root (it installs packages, a binary and a service)"
HERE=$(cd "$(dirname "$0")" && pwd)
BIN_DIR=${INSTALL_K3RS_BIN_DIR:-/usr/local/bin}
PORT=${K3RS_HTTPS_LISTEN_PORT:-6443}

apt_install() {
  command -v apt-get >/dev/null 2>&1 || fatal "missing $*, and no apt-get to install it"
  info "installing $*"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# 1. The executable: one shipped beside this script, else build it from the clone.
SRC_BIN=""
for c in "$HERE/k3rs" "$HERE/bin/k3rs"; do
  if [ -x "$c" ] && [ ! -d "$c" ]; then SRC_BIN=$c; break; fi
done
if [ -z "$SRC_BIN" ] || [ -f "$HERE/package.json" -a "${INSTALL_K3RS_REBUILD:-true}" = true -a -d "$HERE/src" ]; then
  [ -f "$HERE/package.json" ] || fatal "no k3rs executable beside this script and no source tree to build one"
  command -v npm >/dev/null 2>&1 || apt_install nodejs npm
  command -v git >/dev/null 2>&1 || apt_install git
  info "building k3rs (npm ci && npm run build)"
  (cd "$HERE" && npm ci --no-audit --no-fund >/dev/null 2>&1 || npm ci --no-audit --no-fund)
  (cd "$HERE" && npm run build)
  SRC_BIN="$HERE/bin/k3rs"
fi
install -m 0755 "$SRC_BIN" "$BIN_DIR/k3rs.new"
mv -f "$BIN_DIR/k3rs.new" "$BIN_DIR/k3rs"
info "installed $BIN_DIR/k3rs ($("$BIN_DIR/k3rs" --version))"

# 2. What the node agent runs pods with: containerd, runc and the CNI plugins (air-gapped
#    boxes: install these .debs beforehand; nothing else is fetched).
need=""
command -v containerd >/dev/null 2>&1 || need="$need containerd"
command -v runc >/dev/null 2>&1 || need="$need runc"
[ -x /usr/lib/cni/bridge ] || [ -x /opt/cni/bin/bridge ] || need="$need containernetworking-plugins"
command -v iptables >/dev/null 2>&1 || need="$need iptables"
if [ -n "$need" ]; then
  # shellcheck disable=SC2086
  apt_install $need
fi

# 3. Config and uninstall script.
mkdir -p /etc/k3rs /var/lib/k3rs /var/log/k3rs
if [ ! -f /etc/k3rs/config.yaml ]; then
  {
    echo "# k3rs server configuration: keys are the flag names of 'k3rs server --help'."
    echo "https-listen-port: $PORT"
    [ -n "${K3RS_DATA_DIR:-}" ] && echo "data-dir: $K3RS_DATA_DIR"
    echo "write-kubeconfig-mode: \"0600\""
  } > /etc/k3rs/config.yaml
fi
cat > "$BIN_DIR/k3rs-uninstall.sh" <<UNINSTALL
#!/bin/sh
set -x
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
  systemctl disable --now k3rs 2>/dev/null || true
  rm -f /etc/systemd/system/k3rs.service
  systemctl daemon-reload
fi
if [ -f /var/run/k3rs.pid ]; then
  sup=\$(cat /var/run/k3rs.pid)
  kids=\$(pgrep -P "\$sup")
  kill "\$sup" 2>/dev/null || true   # the supervisor first, so it does not restart k3rs
  [ -n "\$kids" ] && kill \$kids 2>/dev/null || true
  rm -f /var/run/k3rs.pid
fi
# The agent's containerd keeps pods running when k3rs stops (fail-static): end it and its
# shims (found by its socket), then what it mounted, the pod bridge and the NAT rules.
ctrd=/var/lib/k3rs/agent/containerd
# Containers outlive containerd and its shims (fail-static): end each by its init PID first.
if [ -d "\$ctrd/runc" ]; then
  find "\$ctrd/runc" -name state.json | while read -r f; do
    pid=\$(sed -n 's/.*"init_process_pid":\\([0-9]*\\).*/\\1/p' "\$f")
    [ -n "\$pid" ] && [ "\$pid" -gt 1 ] && kill -9 "\$pid" 2>/dev/null || true
  done
fi
if [ -f "\$ctrd/containerd.pid" ]; then
  sock=\$(sed -n 's/^ *address *= *"\\(.*\\.sock\\)"/\\1/p' "\$ctrd/config.toml" | head -1)
  kill "\$(cat "\$ctrd/containerd.pid")" 2>/dev/null || true
  [ -n "\$sock" ] && for p in \$(pgrep -f "containerd-shim.*\$sock" || true); do kill -9 "\$p" 2>/dev/null || true; done
  sleep 1
fi
grep -o ' /var/lib/k3rs[^ ]*' /proc/self/mountinfo | sort -r | while read -r m; do umount -l "\$m" 2>/dev/null || true; done
ip link del k3rs0 2>/dev/null || true
for d in /sys/fs/cgroup/k3rs /sys/fs/cgroup/*/k3rs; do [ -d "\$d" ] && find "\$d" -depth -type d -exec rmdir {} \; 2>/dev/null; done
if command -v iptables >/dev/null 2>&1; then
  iptables-save | grep -- '--comment "k3rs' | sed 's/^-A /-D /' | while read -r rule; do
    case "\$rule" in *MASQUERADE*|*K3RS-POSTROUTING*) eval iptables -t nat \$rule 2>/dev/null || true ;; *) eval iptables \$rule 2>/dev/null || true ;; esac
  done
  iptables -t nat -X K3RS-POSTROUTING 2>/dev/null || true
fi
rm -f "$BIN_DIR/k3rs" "$BIN_DIR/k3rs-supervise.sh"
rm -rf /etc/k3rs /var/lib/k3rs /var/log/k3rs
rm -f "$BIN_DIR/k3rs-uninstall.sh"
UNINSTALL
chmod 0755 "$BIN_DIR/k3rs-uninstall.sh"

[ "${INSTALL_K3RS_SKIP_START:-false}" = true ] && { info "installed; not starting (INSTALL_K3RS_SKIP_START)"; exit 0; }

# 4. Start it: systemd when it runs, otherwise a small supervisor loop in the background.
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
  cat > /etc/systemd/system/k3rs.service <<UNIT
[Unit]
Description=k3rs - lightweight Kubernetes
Documentation=https://github.com/k3rs
Wants=network-online.target
After=network-online.target

[Service]
Type=simple
ExecStart=$BIN_DIR/k3rs server
KillMode=process
Delegate=yes
LimitNOFILE=1048576
TasksMax=infinity
Restart=always
RestartSec=5s

[Install]
WantedBy=multi-user.target
UNIT
  systemctl daemon-reload
  systemctl enable k3rs >/dev/null 2>&1
  systemctl restart k3rs
  info "started k3rs.service (journalctl -u k3rs for logs)"
else
  cat > "$BIN_DIR/k3rs-supervise.sh" <<SUP
#!/bin/sh
# Restarts k3rs server when it exits, like systemd's Restart=always.
while :; do
  "$BIN_DIR/k3rs" server >> /var/log/k3rs/k3rs.log 2>&1
  echo "k3rs exited with \$?; restarting in 5s" >> /var/log/k3rs/k3rs.log
  sleep 5
done
SUP
  chmod 0755 "$BIN_DIR/k3rs-supervise.sh"
  if [ -f /var/run/k3rs.pid ] && kill -0 "$(cat /var/run/k3rs.pid)" 2>/dev/null; then
    info "stopping the previous supervisor ($(cat /var/run/k3rs.pid))"
    old=$(cat /var/run/k3rs.pid)
    kids=$(pgrep -P "$old" || true)
    kill "$old" 2>/dev/null || true
    [ -n "$kids" ] && kill $kids 2>/dev/null || true
    sleep 1
  fi
  nohup "$BIN_DIR/k3rs-supervise.sh" >/dev/null 2>&1 &
  echo $! > /var/run/k3rs.pid
  info "started k3rs server in the background (supervisor pid $(cat /var/run/k3rs.pid), logs in /var/log/k3rs/k3rs.log)"
fi

# 5. Wait until it answers and its node is Ready.
command -v curl >/dev/null 2>&1 || apt_install curl
i=0
until curl -ksf "https://127.0.0.1:$PORT/readyz" >/dev/null 2>&1; do
  i=$((i + 1))
  [ $i -gt 60 ] && fatal "k3rs did not become ready in 30s; see the logs"
  sleep 0.5
done
i=0
until "$BIN_DIR/k3rs" ctl get nodes 2>/dev/null | grep -q ' Ready'; do
  i=$((i + 1))
  [ $i -gt 120 ] && fatal "the node did not become Ready in 60s; see the logs"
  sleep 0.5
done
info "k3rs is ready. Use it with:"
echo "    export KUBECONFIG=/etc/k3rs/k3rs.yaml"
echo "    kubectl get namespaces"
echo "    k3rs ctl get namespaces"
