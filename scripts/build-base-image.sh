#!/usr/bin/env bash
# Builds the offline base image of a faultline node, with no registry: this machine's `node`,
# `iptables` (nft and legacy) with its extension modules, and `ip`, each with its shared libraries
# and the dynamic loader, imported as localhost/faultline-base:TAG (no shell, ≈110 MB, ≈10 s).
#
#   usage: scripts/build-base-image.sh [TAG]        (TAG defaults to "latest")
#
# nodes/Dockerfile builds FROM this image unless given another base (--build-arg BASE=node:20-slim).
set -euo pipefail

tag="${1:-latest}"
image="localhost/faultline-base:${tag}"

die() { printf 'build-base-image: %s\n' "$*" >&2; exit 1; }

command -v docker >/dev/null || die "the docker CLI is not installed: run scripts/docker-setup.sh"
docker info >/dev/null 2>&1 || die "the Docker engine is not running: run scripts/docker-setup.sh"
command -v ldd >/dev/null || die "ldd is missing (package libc-bin)"

node_bin="$(readlink -f "$(command -v node)")" || die "node is not installed"
ip_bin="$(command -v ip || true)"
[ -n "$ip_bin" ] || ip_bin=/usr/sbin/ip
[ -x "$ip_bin" ] || die "ip is missing: apt-get install -y iproute2"
sbin=/usr/sbin
[ -x "$sbin/xtables-nft-multi" ] || die "iptables is missing: apt-get install -y iptables"
multiarch="$(gcc -print-multiarch 2>/dev/null || dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo "$(uname -m)-linux-gnu")"
xtables_dir="/usr/lib/${multiarch}/xtables"
[ -d "$xtables_dir" ] || die "iptables extension modules not found in $xtables_dir"

root="$(mktemp -d -t faultline-base.XXXXXX)"
trap 'rm -rf "$root"' EXIT

# copy FILE...: each file (symlinks followed) at its own path under the root.
copy() { for f in "$@"; do mkdir -p "$root$(dirname "$f")" && cp -L "$f" "$root$f"; done; }
# libs FILE...: the shared libraries FILE needs and the dynamic loader, as ldd resolves them.
libs() {
  ldd "$@" 2>/dev/null | awk '/=> \//{print $3} /^[ \t]*\/[^ ]+ \(/{print $1}' | sort -u
}

binaries=("$node_bin" "$ip_bin" "$sbin/xtables-nft-multi")
[ -x "$sbin/xtables-legacy-multi" ] && binaries+=("$sbin/xtables-legacy-multi")
modules=("$xtables_dir"/*.so)

copy "${binaries[@]}" "${modules[@]}"
# shellcheck disable=SC2046
copy $(libs "${binaries[@]}" "${modules[@]}")
[ "$node_bin" = /usr/bin/node ] || ln -s "$node_bin" "$root/usr/bin/node"
for f in /etc/protocols /etc/services /etc/nsswitch.conf; do [ -f "$f" ] && copy "$f"; done
mkdir -p "$root/tmp" "$root/run" "$root/data" "$root/etc" "$root/var/lib"
chmod 1777 "$root/tmp"
printf 'root:x:0:0:root:/root:/usr/bin/node\n' >"$root/etc/passwd"
printf 'root:x:0:\n' >"$root/etc/group"
for t in iptables iptables-save iptables-restore ip6tables; do
  ln -sf xtables-nft-multi "$root$sbin/$t"
done
if [ -x "$sbin/xtables-legacy-multi" ]; then
  for t in iptables-legacy iptables-legacy-save iptables-legacy-restore; do
    ln -sf xtables-legacy-multi "$root$sbin/$t"
  done
fi
[ "$ip_bin" = /usr/sbin/ip ] || ln -sf "$ip_bin" "$root/usr/sbin/ip"

tar -C "$root" -c . | docker import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'CMD ["node"]' \
  --message "faultline offline base: $(node --version), $(uname -m)" \
  - "$image" >/dev/null
echo "built $image ($(docker image inspect -f '{{.Size}}' "$image" | awk '{printf "%.0f MB", $1/1e6}'))"
