#!/usr/bin/env bash
# Installs what the benchmark's baselines need: nginx and haproxy (Debian packages), openssl and
# taskset (util-linux) if missing. Safe to run repeatedly. Needs root (apt-get).
set -euo pipefail
need=()
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx)
command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ] || need+=(haproxy)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
command -v taskset >/dev/null 2>&1 || need+=(util-linux)
if [ ${#need[@]} -eq 0 ]; then
  echo "bench/setup.sh: nginx, haproxy, openssl, taskset already installed"
  exit 0
fi
echo "bench/setup.sh: installing ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends "${need[@]}"
# The packages' own services are not used: the bench starts its own instances on loopback ports.
for svc in nginx haproxy; do
  if command -v systemctl >/dev/null 2>&1; then systemctl stop "$svc" >/dev/null 2>&1 || true; fi
  if command -v service >/dev/null 2>&1; then service "$svc" stop >/dev/null 2>&1 || true; fi
done
