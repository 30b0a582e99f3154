#!/usr/bin/env bash
# The project's test command (see README): installs what the tests need on a fresh Debian 12,
# builds, and runs every test suite through scripts/run-tests.js. Safe to re-run: it installs
# only what is missing and runs apt-get update at most once.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the tests use: etcd for the etcd store tests; containerd, runc, the CNI plugins,
# busybox-static (test images), docker-registry and skopeo (a local registry) for the node tests.
APT_PACKAGES=(etcd-server etcd-client containerd runc containernetworking-plugins iptables nftables busybox-static docker-registry skopeo umoci)

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else echo "test.sh: need root (or sudo) to run: $*" >&2; return 1
  fi
}

install_missing_packages() {
  local missing=() pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  [ "${#missing[@]}" -eq 0 ] && return 0
  echo "test.sh: installing ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

if command -v apt-get >/dev/null 2>&1; then
  install_missing_packages "${APT_PACKAGES[@]}"
else
  echo "test.sh: no apt-get; make sure these are installed: ${APT_PACKAGES[*]}" >&2
fi

command -v node >/dev/null 2>&1 || { echo "test.sh: Node.js 20 or newer is required" >&2; exit 1; }
command -v kubectl >/dev/null 2>&1 || echo "test.sh: warning: kubectl (v1.32) not found; the e2e tests will fail" >&2

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
npm run build
exec node scripts/run-tests.js "$@"
