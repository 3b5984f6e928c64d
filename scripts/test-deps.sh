#!/usr/bin/env bash
# What the test suite needs on a fresh Debian 12 machine, as root: Node/npm (to install Bun
# from npm), git, and for the real-pod end-to-end tests containerd, runc, the CNI plugins,
# iptables and busybox-static (the test images are built from it); iproute2 (ip, bridge) and
# procps (sysctl) for the network tests, which build their own namespaces; debootstrap and
# systemd-container (systemd-nspawn) to boot a real systemd for the unit test
# (test/e2e/systemd-unit.test.ts); OpenStack Swift with memcached and the swift client, the
# real S3 server the replication tests start on loopback (scripts/swift-s3.sh); strace, which
# shows the fsyncs behind each acknowledged write; dnsmasq-base (the binary alone, with no
# service holding port 53), the upstream resolver of the DNS forwarding test; curl and openssl,
# the ingress test's client and certificates; python3-kubernetes, the official Python
# client, for test/e2e/python-client.test.ts. kubectl 1.32 must be there already
# (/usr/bin/kubectl): the end-to-end tests use the real one. Installs only what is missing;
# nothing else is fetched.
set -euo pipefail

if [ "$(id -u)" != 0 ]; then
  echo "scripts/test-deps.sh: run as root (the real-pod tests run containers)" >&2
  exit 1
fi
if ! command -v kubectl >/dev/null 2>&1; then
  echo "kubectl is missing: the machine image must provide /usr/bin/kubectl (1.32)" >&2
  exit 1
fi
need=()
for pkg in nodejs npm git ca-certificates containerd runc containernetworking-plugins busybox-static iptables iproute2 procps debootstrap systemd-container swift-proxy swift-account swift-container swift-object memcached python3-swiftclient strace python3-kubernetes dnsmasq-base curl openssl; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
# npm may come from elsewhere (nvm, a tarball): then Debian's is not needed.
if command -v npm >/dev/null 2>&1; then
  kept=()
  for p in "${need[@]}"; do [ "$p" = nodejs ] || [ "$p" = npm ] || kept+=("$p"); done
  need=("${kept[@]+"${kept[@]}"}")
fi
if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"
fi
kubectl version --client 2>/dev/null | head -1
