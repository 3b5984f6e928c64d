#!/bin/sh
# k3rs installer, in the manner of K3s's get.k3s.io.
#
#   Online, from wherever a release (`npm run release` → dist/) is served:
#     curl -sfL URL/install.sh | INSTALL_K3RS_DOWNLOAD_URL=URL sh -
#   Air-gapped: copy k3rs to /usr/local/bin (images to /var/lib/k3rs/agent/images/), then
#     INSTALL_K3RS_SKIP_DOWNLOAD=true ./install.sh
#   From the release folder itself (k3rs and sha256sum.txt beside this script): ./install.sh
#   From a source checkout (builds dist/ first with npm):                       ./install.sh
#
# Installs the executable (its sha256 checked against sha256sum.txt: a mismatch installs
# nothing), containerd/runc/CNI plugins/iptables from apt when online and missing, a systemd
# unit and its env file (always, so an image prepared without systemd boots with them),
# <name>-killall.sh and <name>-uninstall.sh; starts k3rs (systemd where it runs, otherwise a
# supervised background process) and waits until the node is Ready. Safe to run again: same
# data, same token, restarted.
#
# Environment (K3s's names):
#   K3RS_URL, K3RS_TOKEN          install an agent joining that server (otherwise a server);
#                                 every K3RS_* variable goes to the service's env file
#   INSTALL_K3RS_EXEC             command and flags: "server --data-dir /srv/k3rs", "--node-label a=b"
#   INSTALL_K3RS_DOWNLOAD_URL     where k3rs and sha256sum.txt are served
#   INSTALL_K3RS_VERSION          fetch URL/VERSION/… and check `k3rs --version` says VERSION
#   INSTALL_K3RS_SKIP_DOWNLOAD    true: use the k3rs already in the bin dir; fetch nothing
#   INSTALL_K3RS_SKIP_START       true: install and enable, do not start
#   INSTALL_K3RS_BIN_DIR          default /usr/local/bin
#   INSTALL_K3RS_SYSTEMD_DIR      default /etc/systemd/system
#   INSTALL_K3RS_NAME             service name k3rs-NAME instead of k3rs / k3rs-agent
set -eu

info() { echo "[k3rs] $*"; }
fatal() { echo "[k3rs] ERROR: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || fatal "run as root (it installs a binary and a service)"

# Only a script run from a file has a folder; `curl … | sh -` runs from stdin.
HERE=""
case "$0" in *install.sh) HERE=$(cd "$(dirname "$0")" && pwd) ;; esac

BIN_DIR=${INSTALL_K3RS_BIN_DIR:-/usr/local/bin}
SYSTEMD_DIR=${INSTALL_K3RS_SYSTEMD_DIR:-/etc/systemd/system}
SKIP_DOWNLOAD=${INSTALL_K3RS_SKIP_DOWNLOAD:-false}

# --- what to run: K3s's rules — an explicit command wins, K3RS_URL makes an agent ------------
EXEC=${INSTALL_K3RS_EXEC:-}
case "$EXEC" in
  server|server\ *|agent|agent\ *) CMD=${EXEC%% *}; [ "$CMD" = "$EXEC" ] && EXEC="" || EXEC=${EXEC#* } ;;
  *) if [ -n "${K3RS_URL:-}" ]; then CMD=agent; else CMD=server; fi ;;
esac
if [ "$CMD" = agent ]; then
  [ -n "${K3RS_URL:-}" ] || case " $EXEC " in *" --server"*|*" -s "*) ;; *) fatal "an agent needs K3RS_URL (or --server)" ;; esac
  [ -n "${K3RS_TOKEN:-}" ] || case " $EXEC " in *" --token"*|*" -t "*) ;; *) fatal "an agent needs K3RS_TOKEN (or --token)" ;; esac
fi
if [ -n "${INSTALL_K3RS_NAME:-}" ]; then SYSTEM_NAME="k3rs-$INSTALL_K3RS_NAME"
elif [ "$CMD" = agent ]; then SYSTEM_NAME=k3rs-agent
else SYSTEM_NAME=k3rs; fi

# The paths the scripts below need from the flags (the config file is not read: as in K3s,
# killall and uninstall assume the data dir is given on the command line or by K3RS_DATA_DIR).
DATA_DIR=${K3RS_DATA_DIR:-/var/lib/k3rs}
KUBECONFIG_OUT=""
CLUSTER_CIDR=${K3RS_CLUSTER_CIDR:-10.42.0.0/16}
SERVICE_CIDR=${K3RS_SERVICE_CIDR:-10.43.0.0/16}
DISABLE_AGENT=false
RUNTIME_NEEDED=true
set -f
# shellcheck disable=SC2086
set -- $EXEC
set +f
prev=""
for a in "$@"; do
  case "$prev" in
    --data-dir|-d) DATA_DIR=$a ;;
    --write-kubeconfig|-o) KUBECONFIG_OUT=$a ;;
    --runtime) [ "$a" = fake ] && RUNTIME_NEEDED=false ;;
    --cluster-cidr) CLUSTER_CIDR=$a ;;
    --service-cidr) SERVICE_CIDR=$a ;;
  esac
  case "$a" in
    --data-dir=*) DATA_DIR=${a#*=} ;;
    --write-kubeconfig=*) KUBECONFIG_OUT=${a#*=} ;;
    --runtime=fake) RUNTIME_NEEDED=false ;;
    --cluster-cidr=*) CLUSTER_CIDR=${a#*=} ;;
    --service-cidr=*) SERVICE_CIDR=${a#*=} ;;
    --container-runtime-endpoint*) RUNTIME_NEEDED=false ;;
    --disable-agent) DISABLE_AGENT=true; RUNTIME_NEEDED=false ;;
  esac
  prev=$a
done
DATA_DIR=${DATA_DIR%/}
[ "$CMD" = server ] && [ -z "$KUBECONFIG_OUT" ] && KUBECONFIG_OUT=/etc/k3rs/k3rs.yaml

UNIT_FILE="$SYSTEMD_DIR/$SYSTEM_NAME.service"
ENV_FILE="$SYSTEMD_DIR/$SYSTEM_NAME.service.env"
KILLALL="$BIN_DIR/$SYSTEM_NAME-killall.sh"
UNINSTALL="$BIN_DIR/$SYSTEM_NAME-uninstall.sh"
SUPERVISOR="$BIN_DIR/$SYSTEM_NAME-supervise.sh"
PID_FILE="/run/$SYSTEM_NAME.pid"
LOG_DIR=/var/log/k3rs
LOG_FILE="$LOG_DIR/$SYSTEM_NAME.log"

has_systemd() { command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; }

apt_install() {
  command -v apt-get >/dev/null 2>&1 || fatal "missing $*, and no apt-get to install it"
  info "installing $*"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

sha256_of() { sha256sum "$1" | cut -d' ' -f1; }

# verify FILE SUMS: the line for k3rs in SUMS must name FILE's sha256.
verify() {
  want=$(sed -n 's/^\([0-9a-f]\{64\}\)[ *]*k3rs$/\1/p' "$2" | head -1)
  [ -n "$want" ] || fatal "no sha256 for k3rs in $3"
  got=$(sha256_of "$1")
  [ "$got" = "$want" ] || fatal "sha256 mismatch for k3rs: downloaded $got, $3 says $want; nothing installed"
}

download() {
  if command -v curl >/dev/null 2>&1; then curl -sfL -o "$1" "$2" || fatal "download of $2 failed"
  elif command -v wget >/dev/null 2>&1; then wget -qO "$1" "$2" || fatal "download of $2 failed"
  else fatal "neither curl nor wget to download $2"; fi
}

install_binary() {
  install -m 0755 "$1" "$BIN_DIR/k3rs.new"
  mv -f "$BIN_DIR/k3rs.new" "$BIN_DIR/k3rs"
}

# --- 1. the executable ---------------------------------------------------------------------
mkdir -p "$BIN_DIR"
if [ "$SKIP_DOWNLOAD" = true ]; then
  [ -x "$BIN_DIR/k3rs" ] || fatal "INSTALL_K3RS_SKIP_DOWNLOAD=true but there is no executable $BIN_DIR/k3rs"
  info "using $BIN_DIR/k3rs (INSTALL_K3RS_SKIP_DOWNLOAD)"
elif [ -n "${INSTALL_K3RS_DOWNLOAD_URL:-}" ]; then
  base=${INSTALL_K3RS_DOWNLOAD_URL%/}
  [ -n "${INSTALL_K3RS_VERSION:-}" ] && base="$base/$INSTALL_K3RS_VERSION"
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  info "downloading $base/k3rs"
  download "$tmp/sha256sum.txt" "$base/sha256sum.txt"
  download "$tmp/k3rs" "$base/k3rs"
  verify "$tmp/k3rs" "$tmp/sha256sum.txt" "$base/sha256sum.txt"
  chmod 0755 "$tmp/k3rs"
  if [ -n "${INSTALL_K3RS_VERSION:-}" ]; then
    case "$("$tmp/k3rs" --version) " in *" $INSTALL_K3RS_VERSION "*|*" v${INSTALL_K3RS_VERSION#v} "*) ;;
      *) fatal "$base/k3rs is $("$tmp/k3rs" --version), not $INSTALL_K3RS_VERSION; nothing installed" ;; esac
  fi
  install_binary "$tmp/k3rs"
elif [ -n "$HERE" ] && [ -x "$HERE/k3rs" ] && [ -f "$HERE/sha256sum.txt" ]; then
  verify "$HERE/k3rs" "$HERE/sha256sum.txt" "$HERE/sha256sum.txt"
  install_binary "$HERE/k3rs"
elif [ -n "$HERE" ] && [ -f "$HERE/package.json" ] && [ -d "$HERE/src" ]; then
  command -v npm >/dev/null 2>&1 || apt_install nodejs npm
  command -v git >/dev/null 2>&1 || apt_install git
  info "building a release from the source checkout (npm ci && npm run release → dist/)"
  (cd "$HERE" && { npm ci --no-audit --no-fund >/dev/null 2>&1 || npm ci --no-audit --no-fund; } && npm run release)
  verify "$HERE/dist/k3rs" "$HERE/dist/sha256sum.txt" "$HERE/dist/sha256sum.txt"
  install_binary "$HERE/dist/k3rs"
else
  fatal "no k3rs to install: set INSTALL_K3RS_DOWNLOAD_URL, or INSTALL_K3RS_SKIP_DOWNLOAD=true with $BIN_DIR/k3rs in place"
fi
info "installed $BIN_DIR/k3rs ($("$BIN_DIR/k3rs" --version))"

# --- 2. what the agent runs pods with --------------------------------------------------------
if [ "$RUNTIME_NEEDED" = true ]; then
  need=""
  command -v containerd >/dev/null 2>&1 || need="$need containerd"
  command -v runc >/dev/null 2>&1 || need="$need runc"
  [ -x /usr/lib/cni/bridge ] || [ -x /opt/cni/bin/bridge ] || need="$need containernetworking-plugins"
  command -v iptables >/dev/null 2>&1 || need="$need iptables"
  if [ -n "$need" ]; then
    [ "$SKIP_DOWNLOAD" = true ] && fatal "missing:$need — air-gapped boxes install these .debs beforehand (dpkg -i)"
    # shellcheck disable=SC2086
    apt_install $need
  fi
fi

# --- 3. env file, unit, killall, uninstall ---------------------------------------------------
mkdir -p "$SYSTEMD_DIR" "$LOG_DIR"
# Secrets (K3RS_TOKEN) live here, readable by root only; single quotes suit systemd and sh alike.
( umask 077
  env | grep '^K3RS_' | while IFS='=' read -r k v; do
    printf "%s='%s'\n" "$k" "$(printf %s "$v" | sed "s/'/'\\\\''/g")"
  done > "$ENV_FILE.new" )
mv -f "$ENV_FILE.new" "$ENV_FILE"

# Each argument quoted for systemd's and sh's word splitting; for systemd also % (specifiers)
# and $ (variable expansion) doubled.
ARGS_UNIT=""
ARGS_SH=""
for a in "$@"; do
  ARGS_UNIT="$ARGS_UNIT \"$(printf %s "$a" | sed 's/\\/\\\\/g; s/"/\\"/g; s/%/%%/g; s/\$/$$/g')\""
  ARGS_SH="$ARGS_SH '$(printf %s "$a" | sed "s/'/'\\\\''/g")'"
done

cat > "$UNIT_FILE" <<UNIT
[Unit]
Description=k3rs - lightweight Kubernetes ($CMD)
Wants=network-online.target
After=network-online.target

[Install]
WantedBy=multi-user.target

[Service]
# READY=1 comes once the API answers and the node agent runs (sd_notify over \$NOTIFY_SOCKET).
Type=notify
EnvironmentFile=-$ENV_FILE
# Containers belong to containerd's shims, not to k3rs: stopping the service stops only k3rs
# (KillMode=process), and k3rs manages the cgroups below its own (Delegate=yes).
KillMode=process
Delegate=yes
LimitNOFILE=1048576
LimitNPROC=infinity
LimitCORE=infinity
TasksMax=infinity
TimeoutStartSec=0
Restart=always
RestartSec=5s
ExecStart=$BIN_DIR/k3rs $CMD$ARGS_UNIT
UNIT
chmod 0644 "$UNIT_FILE"

# The bridge and the service device are named after the data dir unless it is the standard
# one (src/agent/cni/cni-config.ts, src/agent/network/service-device.ts).
if [ "$DATA_DIR" = /var/lib/k3rs ]; then BRIDGE=k3rs0; SERVICE_DEVICE=k3rs-svc0; STANDARD=true
else
  hash=$(printf %s "$DATA_DIR" | sha1sum | cut -c1-8)
  BRIDGE="k3rs$hash"; SERVICE_DEVICE="k3rss$hash"; STANDARD=false
fi

cat > "$KILLALL" <<KILLALL_HEAD
#!/bin/sh
# Stops $SYSTEM_NAME, its containerd and every container it started, unmounts what they
# mounted and removes the pod network; keeps $DATA_DIR, so the next start brings the same
# cluster back and recreates the pods. Written by install.sh.
[ "\$(id -u)" = 0 ] || exec sudo "\$0" "\$@"
SYSTEM_NAME=$SYSTEM_NAME
DATA_DIR=$DATA_DIR
PID_FILE=$PID_FILE
UNIT_FILE=$UNIT_FILE
BRIDGE=$BRIDGE
SERVICE_DEVICE=$SERVICE_DEVICE
STANDARD=$STANDARD
KILLALL_HEAD
cat >> "$KILLALL" <<'KILLALL_BODY'
CTRD="$DATA_DIR/agent/containerd"

# Processes with the path $1 (or a path below it) as an argument or an option's value — not
# merely a prefix, so /var/lib/k3rs spares /var/lib/k3rs-other (no pgrep: minimal Debian has no procps).
pids_with() {
  for d in /proc/[0-9]*; do
    [ "${d#/proc/}" = "$$" ] && continue
    cl=" $(tr '\0' ' ' < "$d/cmdline" 2>/dev/null)"
    case "$cl" in *" $1 "*|*" $1/"*|*"=$1 "*|*"=$1/"*) echo "${d#/proc/}" ;; esac
  done
}
wait_gone() {
  i=0
  while [ $i -lt 100 ] && kill -0 "$1" 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
  kill -9 "$1" 2>/dev/null || true
}

# 1. k3rs itself: the service, or the supervisor (which stops its k3rs when told).
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ] && [ -f "$UNIT_FILE" ]; then
  systemctl stop "$SYSTEM_NAME" 2>/dev/null || true
fi
if [ -f "$PID_FILE" ]; then
  sup=$(cat "$PID_FILE")
  kill "$sup" 2>/dev/null && wait_gone "$sup"
  rm -f "$PID_FILE"
fi

# 2. Every container: they outlive containerd and its shims by design, so each is ended by
#    the init PID runc recorded for it; their cgroups are noted for step 5.
CGROUPS=""
if [ -d "$CTRD/runc" ]; then
  for f in $(find "$CTRD/runc" -name state.json 2>/dev/null); do
    pid=$(sed -n 's/.*"init_process_pid":\([0-9]*\).*/\1/p' "$f")
    [ -n "$pid" ] && [ "$pid" -gt 1 ] && kill -9 "$pid" 2>/dev/null
    CGROUPS="$CGROUPS $(grep -o '"/sys/fs/cgroup/[^"]*"' "$f" | tr -d '"' | sort -u | tr '\n' ' ')"
  done
fi

# 3. The node's containerd and its shims (found by its socket).
if [ -f "$CTRD/config.toml" ]; then
  sock=$(sed -n 's/^ *address *= *"\(.*\.sock\)"/\1/p' "$CTRD/config.toml" | head -1)
  [ -f "$CTRD/containerd.pid" ] && kill "$(cat "$CTRD/containerd.pid")" 2>/dev/null
  if [ -n "$sock" ]; then
    for p in $(pids_with "$sock"); do kill -9 "$p" 2>/dev/null; done
  fi
  [ -f "$CTRD/containerd.pid" ] && wait_gone "$(cat "$CTRD/containerd.pid")"
fi
# Anything else still running from the data dir (a k3rs started by hand with it).
for p in $(pids_with "$DATA_DIR"); do kill -9 "$p" 2>/dev/null; done

# 4. Mounts under the data dir (pod volumes, network namespaces, rootfs), deepest first.
for m in $(awk '{print $5}' /proc/self/mountinfo | grep -E "^$DATA_DIR(/|\$)" | sort -r); do
  umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null
done

# 5. Cgroups of this node's containers and their pods, then the QoS levels left empty.
for c in $CGROUPS; do
  while [ -d "$c" ] && case "$c" in */k3rs/*) true ;; *) false ;; esac; do
    rmdir "$c" 2>/dev/null || break
    c=$(dirname "$c")
  done
done

# 6. The pod network: the bridge and the service device (ClusterIPs, cluster DNS), NAT and
#    forward rules for this node's pod CIDR, hostPort chains of its containers; for the
#    standard node also the VXLAN device and the routes to other nodes, whose names every
#    data dir shares (src/net/routes): other data dirs — tests — keep theirs.
if command -v ip >/dev/null 2>&1; then
  ip link del "$BRIDGE" 2>/dev/null
  ip link del "$SERVICE_DEVICE" 2>/dev/null
  if [ "$STANDARD" = true ]; then
    ip link del k3rs.vxlan 2>/dev/null
    ip route show proto 151 | grep -v '^unreachable' | while read -r r; do eval ip route del "$r" proto 151 2>/dev/null; done
  fi
fi
subnet=$(sed -n 's/.*"subnet": *"\([0-9./]*\)".*/\1/p' "$DATA_DIR/agent/cni/net.d/10-k3rs.conflist" 2>/dev/null | head -1)
if command -v iptables-save >/dev/null 2>&1; then
  ids=$(ls "$CTRD/runc/k8s.io" 2>/dev/null | tr '\n' '|')
  for table in nat filter; do
    iptables-save -t "$table" | grep '^-A ' | while read -r rule; do
      ours=false
      case "$rule" in *'--comment "k3rs'*) [ -n "$subnet" ] && case "$rule " in *" $subnet "*) ours=true ;; esac ;; esac
      if [ -n "$ids" ]; then echo "$rule" | grep -qE "id: \\\\?\"(${ids%|})" && ours=true; fi
      [ "$ours" = true ] && eval iptables -w -t "$table" -D "${rule#-A }" 2>/dev/null
    done
  done
  # The masquerade chain goes when no node's rule is left in it.
  if ! iptables -w -t nat -S K3RS-POSTROUTING 2>/dev/null | grep -q '^-A'; then
    iptables -w -t nat -D POSTROUTING -m comment --comment "k3rs pod egress" -j K3RS-POSTROUTING 2>/dev/null
    iptables -w -t nat -X K3RS-POSTROUTING 2>/dev/null
  fi
  for c in $(iptables-save -t nat | sed -n 's/^:\(CNI-DN-[0-9a-f]*\) .*/\1/p'); do
    iptables-save -t nat | grep -q -- "-j $c\$\|-j $c " || { iptables -w -t nat -F "$c"; iptables -w -t nat -X "$c"; } 2>/dev/null
  done
fi
exit 0
KILLALL_BODY
chmod 0755 "$KILLALL"

cat > "$UNINSTALL" <<UNINSTALL
#!/bin/sh
# Removes $SYSTEM_NAME: processes, containers, mounts, pod network, cgroups (by
# $SYSTEM_NAME-killall.sh), then the service, the executable, the scripts and every file it
# kept ($DATA_DIR, its logs, its kubeconfig). Written by install.sh.
[ "\$(id -u)" = 0 ] || exec sudo "\$0" "\$@"
"$KILLALL"
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
  systemctl disable "$SYSTEM_NAME" >/dev/null 2>&1
  systemctl reset-failed "$SYSTEM_NAME" >/dev/null 2>&1
fi
rm -f "$UNIT_FILE" "$ENV_FILE"
rm -f "$SYSTEMD_DIR/multi-user.target.wants/$SYSTEM_NAME.service"
rmdir "$SYSTEMD_DIR/multi-user.target.wants" 2>/dev/null
command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ] && systemctl daemon-reload
rm -rf "$DATA_DIR" "$LOG_FILE" "$PID_FILE" "$SUPERVISOR"
rmdir "$LOG_DIR" 2>/dev/null
rm -rf "/run/k3rs/$(printf %s "$DATA_DIR/agent/containerd" | sha256sum | cut -c1-16)"
rmdir /run/k3rs 2>/dev/null
[ -n "$KUBECONFIG_OUT" ] && rm -f "$KUBECONFIG_OUT"
# The node's unreachable routes for its CIDRs; the default /16s only with the standard node,
# since every test and node on a machine shares them as its safety net (DESIGN.md).
for cidr in "$CLUSTER_CIDR" "$SERVICE_CIDR"; do
  case "$STANDARD:\$cidr" in false:10.42.0.0/16|false:10.43.0.0/16) ;; *) ip route del unreachable "\$cidr" 2>/dev/null ;; esac
done
if [ "$STANDARD" = true ]; then
  rm -rf /etc/k3rs
  ip route show proto 151 2>/dev/null | while read -r r; do eval ip route del "\$r" proto 151 2>/dev/null; done
  for d in /sys/fs/cgroup/k3rs /sys/fs/cgroup/*/k3rs; do [ -d "\$d" ] && find "\$d" -depth -type d -exec rmdir {} \; 2>/dev/null; done
fi
# The executable stays while another k3rs service still uses it.
others=\$(ls "$BIN_DIR"/k3rs*-uninstall.sh 2>/dev/null | grep -vxF "$UNINSTALL")
[ -z "\$others" ] && rm -f "$BIN_DIR/k3rs"
rm -f "$KILLALL" "$UNINSTALL"
exit 0
UNINSTALL
chmod 0755 "$UNINSTALL"

# Without systemd: a loop that restarts k3rs like Restart=always and stops it when told.
cat > "$SUPERVISOR" <<SUP
#!/bin/sh
# Runs $SYSTEM_NAME where systemd does not run: restarts it when it exits (Restart=always);
# SIGTERM stops k3rs, then this loop. Written by install.sh.
echo \$\$ > "$PID_FILE"
set -a
[ -f "$ENV_FILE" ] && . "$ENV_FILE"
set +a
child=""
trap 'trap - TERM INT; [ -n "\$child" ] && kill "\$child" 2>/dev/null && wait "\$child"; rm -f "$PID_FILE"; exit 0' TERM INT
while :; do
  "$BIN_DIR/k3rs" $CMD$ARGS_SH >> "$LOG_FILE" 2>&1 &
  child=\$!
  wait "\$child"
  echo "k3rs exited with \$?; restarting in 5s" >> "$LOG_FILE"
  child=""
  sleep 5
done
SUP
chmod 0755 "$SUPERVISOR"
info "wrote $UNIT_FILE, $ENV_FILE, $KILLALL, $UNINSTALL"

# --- 4. start ------------------------------------------------------------------------------
if has_systemd; then
  systemctl daemon-reload
  systemctl enable "$SYSTEM_NAME" >/dev/null 2>&1
else
  # Enabled by hand (what `systemctl enable` does), so an image prepared here boots with it.
  mkdir -p "$SYSTEMD_DIR/multi-user.target.wants"
  ln -sf "$UNIT_FILE" "$SYSTEMD_DIR/multi-user.target.wants/$SYSTEM_NAME.service"
fi
if [ "${INSTALL_K3RS_SKIP_START:-false}" = true ]; then
  info "installed; not starting (INSTALL_K3RS_SKIP_START)"
  exit 0
fi

log_tail() {
  if has_systemd; then journalctl -u "$SYSTEM_NAME" -n 20 --no-pager 2>/dev/null
  else tail -n 20 "$LOG_FILE" 2>/dev/null; fi
}

if has_systemd; then
  # Type=notify: restart returns once k3rs said READY=1 (or failed).
  systemctl restart "$SYSTEM_NAME" || { log_tail >&2; fatal "$SYSTEM_NAME.service did not start"; }
  info "started $SYSTEM_NAME.service (journalctl -u $SYSTEM_NAME for logs)"
else
  if [ -f "$PID_FILE" ] && kill -0 "$(cat "$PID_FILE")" 2>/dev/null; then
    old=$(cat "$PID_FILE")
    info "stopping the running $SYSTEM_NAME (supervisor $old)"
    kill "$old"
    i=0
    while kill -0 "$old" 2>/dev/null; do
      i=$((i + 1)); [ $i -gt 300 ] && { kill -9 "$old"; break; }
      sleep 0.1
    done
  fi
  rm -f "$PID_FILE"
  from=1
  [ -f "$LOG_FILE" ] && from=$(($(wc -c < "$LOG_FILE") + 1))
  # setsid: the supervisor outlives this shell and whatever session ran it.
  setsid "$SUPERVISOR" </dev/null >/dev/null 2>&1 &
  i=0
  until [ -s "$PID_FILE" ]; do i=$((i + 1)); [ $i -gt 100 ] && fatal "the supervisor did not start"; sleep 0.1; done
  info "started $SYSTEM_NAME in the background (supervisor pid $(cat "$PID_FILE"), logs in $LOG_FILE)"
  if [ "$CMD" = server ]; then ready_line="k3rs server is running"; else ready_line="k3rs agent is running"; fi
  i=0
  until tail -c +"$from" "$LOG_FILE" 2>/dev/null | grep -q "$ready_line"; do
    i=$((i + 1))
    [ $i -gt 1200 ] && { log_tail >&2; fatal "$SYSTEM_NAME did not start in 120s"; }
    kill -0 "$(cat "$PID_FILE" 2>/dev/null)" 2>/dev/null || { log_tail >&2; fatal "the supervisor exited"; }
    # A start that fails (a store from a newer k3rs, a taken port) would only repeat: say why now.
    if tail -c +"$from" "$LOG_FILE" 2>/dev/null | grep -q 'failed to start\|^k3rs server: \|^k3rs agent: '; then
      tail -c +"$from" "$LOG_FILE" | grep 'failed to start\|^k3rs server: \|^k3rs agent: ' | head -3 >&2
      "$KILLALL" >/dev/null 2>&1
      fatal "$SYSTEM_NAME failed to start; it is stopped (logs: $LOG_FILE)"
    fi
    sleep 0.1
  done
fi

# --- 5. wait for the node -----------------------------------------------------------------
if [ "$CMD" = server ]; then
  KUBECONFIG_ADMIN="$DATA_DIR/server/cred/admin.kubeconfig"
  if [ "$DISABLE_AGENT" = false ]; then
    i=0
    until "$BIN_DIR/k3rs" ctl --kubeconfig "$KUBECONFIG_ADMIN" get nodes 2>/dev/null | grep -q ' Ready '; do
      i=$((i + 1))
      [ $i -gt 240 ] && { log_tail >&2; fatal "the node did not become Ready in 120s"; }
      sleep 0.5
    done
  fi
  info "k3rs is ready. Use it with:"
  echo "    export KUBECONFIG=$KUBECONFIG_OUT"
  echo "    kubectl get nodes"
  echo "    k3rs ctl --kubeconfig $KUBECONFIG_OUT get nodes"
else
  info "k3rs agent is running and joined ${K3RS_URL:-}"
fi
