#!/usr/bin/env bash
# A real S3 server on loopback for tests: OpenStack Swift with its s3api middleware, from
# Debian's packages (scripts/test-deps.sh installs them). Single node, one replica, everything
# (config, rings, devices, logs, pids) under one directory, ports PORT..PORT+4, so several can
# run at once and nothing of the system's /etc/swift is used or changed.
#
#   scripts/swift-s3.sh start DIR PORT [BUCKET...]   # S3 endpoint http://127.0.0.1:PORT
#   scripts/swift-s3.sh stop DIR                       # stops what start started (by PID) and removes DIR
#
# Credentials (tempauth): access key `test:tester`, secret key `testing`, region us-east-1,
# path-style addressing. Buckets named on the command line are created (Swift containers).
set -euo pipefail

usage() { echo "usage: $0 start DIR PORT [BUCKET...] | stop DIR" >&2; exit 2; }
[ $# -ge 2 ] || usage
cmd=$1 dir=$2

stop() {
  if [ -d "$dir/pids" ]; then
    for f in "$dir"/pids/*.pid; do
      [ -e "$f" ] || continue
      pid=$(cat "$f")
      kill "$pid" 2>/dev/null || true
    done
    for f in "$dir"/pids/*.pid; do
      [ -e "$f" ] || continue
      pid=$(cat "$f")
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || true
    done
  fi
  rm -rf "$dir"
}

start() {
  local port=$1; shift
  local acct=$((port + 1)) cont=$((port + 2)) obj=$((port + 3)) mc=$((port + 4))
  # Debian's swift scripts run under /usr/bin/python3; a pyenv python3 first on PATH lacks the modules.
  export PATH=/usr/bin:/bin:/usr/sbin:/sbin
  mkdir -p "$dir"/{devices/d1,pids,logs,cache}
  cat >"$dir/swift.conf" <<EOF
[swift-hash]
swift_hash_path_suffix = k3rs-test
swift_hash_path_prefix = k3rs-test
[storage-policy:0]
name = Policy-0
default = yes
EOF
  local common="[DEFAULT]
swift_dir = $dir
devices = $dir/devices
mount_check = false
bind_ip = 127.0.0.1
workers = 0
log_name = swift
log_address = /nonexistent
log_facility = LOG_LOCAL0
"
  printf '%s\nbind_port = %s\n[pipeline:main]\npipeline = account-server\n[app:account-server]\nuse = egg:swift#account\n' "$common" "$acct" >"$dir/account-server.conf"
  printf '%s\nbind_port = %s\n[pipeline:main]\npipeline = container-server\n[app:container-server]\nuse = egg:swift#container\n' "$common" "$cont" >"$dir/container-server.conf"
  printf '%s\nbind_port = %s\n[pipeline:main]\npipeline = object-server\n[app:object-server]\nuse = egg:swift#object\n' "$common" "$obj" >"$dir/object-server.conf"
  cat >"$dir/proxy-server.conf" <<EOF
$common
bind_port = $port

[pipeline:main]
pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats s3api tempauth copy slo dlo proxy-logging proxy-server

[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true

[filter:s3api]
use = egg:swift#s3api
location = us-east-1

[filter:tempauth]
use = egg:swift#tempauth
user_test_tester = testing .admin

[filter:cache]
use = egg:swift#memcache
memcache_servers = 127.0.0.1:$mc

[filter:catch_errors]
use = egg:swift#catch_errors
[filter:gatekeeper]
use = egg:swift#gatekeeper
[filter:healthcheck]
use = egg:swift#healthcheck
[filter:proxy-logging]
use = egg:swift#proxy_logging
[filter:listing_formats]
use = egg:swift#listing_formats
[filter:copy]
use = egg:swift#copy
[filter:slo]
use = egg:swift#slo
[filter:dlo]
use = egg:swift#dlo
EOF
  # One Python process for the three rings (swift-ring-builder would start nine, seconds each on a busy box).
  /usr/bin/python3 - "$dir" "$acct" "$cont" "$obj" <<'EOF'
import sys
from swift.common.ring import RingBuilder
d, ports = sys.argv[1], dict(zip(("account", "container", "object"), map(int, sys.argv[2:5])))
for name, port in ports.items():
    b = RingBuilder(6, 1, 1)
    b.add_dev({"id": 0, "region": 1, "zone": 1, "ip": "127.0.0.1", "port": port, "device": "d1", "weight": 1})
    b.rebalance()
    b.save(f"{d}/{name}.builder")
    b.get_ring().save(f"{d}/{name}.ring.gz")
EOF
  memcached -l 127.0.0.1 -p "$mc" -U 0 -u root -m 16 >"$dir/logs/memcached.log" 2>&1 &
  echo $! >"$dir/pids/memcached.pid"
  for s in account container object proxy; do
    "swift-$s-server" "$dir/$s-server.conf" >"$dir/logs/$s.log" 2>&1 &
    echo $! >"$dir/pids/$s.pid"
  done

  for _ in $(seq 100); do
    if curl -sf "http://127.0.0.1:$port/healthcheck" >/dev/null 2>&1; then break; fi
    sleep 0.2
  done
  curl -sf "http://127.0.0.1:$port/healthcheck" >/dev/null || { echo "swift proxy did not come up; logs in $dir/logs" >&2; tail -20 "$dir"/logs/*.log >&2; exit 1; }
  # The proxy's healthcheck answers before memcached (tempauth's tokens) and the account and
  # container servers do: on a loaded box the first auth can get a 503. Retry for up to 30 s.
  for bucket in "$@"; do
    for i in $(seq 60); do
      if err=$(swift -A "http://127.0.0.1:$port/auth/v1.0" -U test:tester -K testing post "$bucket" 2>&1); then break; fi
      [ "$i" = 60 ] && { echo "swift: creating bucket $bucket failed: $err; logs in $dir/logs" >&2; tail -20 "$dir"/logs/*.log >&2; exit 1; }
      sleep 0.5
    done
  done
  echo "S3 endpoint http://127.0.0.1:$port (access key test:tester, secret key testing)"
}

case "$cmd" in
  start) [ $# -ge 3 ] || usage; start "${@:3}" ;;
  stop) stop ;;
  *) usage ;;
esac
