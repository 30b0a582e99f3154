#!/usr/bin/env bash
# The project's start command (see README): installs what the server needs on a fresh Debian 12,
# builds, and runs `k8ts server` in the foreground. Arguments are passed to `k8ts server`
# (e.g. --https-port 6443, --data-dir DIR, --no-agent, --datastore-endpoint etcd://...).
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the node agent uses (the server itself needs only Node.js):
APT_PACKAGES=(containerd runc containernetworking-plugins iptables nftables busybox-static)

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else echo "up.sh: need root (or sudo) to run: $*" >&2; return 1
  fi
}

install_missing_packages() {
  local missing=() pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  [ "${#missing[@]}" -eq 0 ] && return 0
  echo "up.sh: installing ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

if [ "${#APT_PACKAGES[@]}" -gt 0 ] && command -v apt-get >/dev/null 2>&1; then
  install_missing_packages "${APT_PACKAGES[@]}"
fi

command -v node >/dev/null 2>&1 || { echo "up.sh: Node.js 20 or newer is required" >&2; exit 1; }

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
npm run build

# As root the state lives in /var/lib/k8ts (like k3s); otherwise k8ts picks ~/.k8ts itself.
args=("$@")
if [ "$(id -u)" -eq 0 ] && ! printf '%s\n' "${args[@]+"${args[@]}"}" | grep -q -- '^--data-dir'; then
  args=(--data-dir /var/lib/k8ts "${args[@]+"${args[@]}"}")
fi
exec node bin/k8ts.js server "${args[@]+"${args[@]}"}"
