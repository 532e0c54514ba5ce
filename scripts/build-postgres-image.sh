#!/usr/bin/env bash
# Builds the PostgreSQL server image with no registry: this machine's PostgreSQL server programs,
# their modules, share files and time zones, each program with its shared libraries and the
# dynamic loader, plus sh, mkdir and rm (a node's setup runs as one sh script), imported as
# localhost/faultline-postgres-base:TAG; then systems/postgres/Dockerfile on top of it gives
# localhost/faultline-postgres:TAG (the user, the environment, the port). ≈80 MB, ≈15 s.
#
#   usage: scripts/build-postgres-image.sh [TAG]     (TAG defaults to "latest"; the system's
#          image code passes a hash of this script, the Dockerfile and the server's version)
set -euo pipefail

tag="${1:-latest}"
base="localhost/faultline-postgres-base:${tag}"
image="localhost/faultline-postgres:${tag}"
here="$(cd "$(dirname "$0")/.." && pwd)"
dockerfile="$here/systems/postgres/Dockerfile"

die() { printf 'build-postgres-image: %s\n' "$*" >&2; exit 1; }

command -v docker >/dev/null || die "the docker CLI is not installed: run scripts/docker-setup.sh"
docker info >/dev/null 2>&1 || die "the Docker engine is not running: run scripts/docker-setup.sh"
command -v ldd >/dev/null || die "ldd is missing (package libc-bin)"
[ -f "$dockerfile" ] || die "missing $dockerfile"

# The server programs: pg_config's folder when it holds the server, else the highest version.
bindir=""
if command -v pg_config >/dev/null && [ -x "$(pg_config --bindir)/initdb" ]; then
  bindir="$(pg_config --bindir)"
else
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k4 -n -r); do
    [ -x "$dir/initdb" ] && { bindir="$dir"; break; }
  done
fi
[ -n "$bindir" ] || die "PostgreSQL server programs not found: apt-get install -y postgresql"
version="$("$bindir/postgres" --version | sed -n 's/.*(PostgreSQL) \([0-9]*\).*/\1/p')"
[ -n "$version" ] || die "$bindir/postgres --version did not name a version"
libdir="/usr/lib/postgresql/${version}/lib"
sharedir="/usr/share/postgresql/${version}"
[ -d "$libdir" ] || die "the server's modules are not in $libdir"
[ -d "$sharedir" ] || die "the server's share files are not in $sharedir"

root="$(mktemp -d -t faultline-postgres.XXXXXX)"
trap 'rm -rf "$root"' EXIT

# copy FILE...: each file (symlinks followed) at its own path under the root.
copy() { for f in "$@"; do mkdir -p "$root$(dirname "$f")" && cp -L "$f" "$root$f"; done; }
# libs FILE...: the shared libraries FILE needs and the dynamic loader, as ldd resolves them.
libs() {
  ldd "$@" 2>/dev/null | awk '/=> \//{print $3} /^[ \t]*\/[^ ]+ \(/{print $1}' | sort -u
}

programs=()
for p in postgres initdb pg_basebackup pg_rewind pg_ctl pg_controldata pg_isready; do
  [ -x "$bindir/$p" ] || die "$bindir/$p is missing"
  programs+=("$bindir/$p")
done
tools=("$(readlink -f "$(command -v dash)")" "$(readlink -f "$(command -v mkdir)")" "$(readlink -f "$(command -v rm)")")
# Modules the server loads: the WAL receiver, PL/pgSQL and the text search dictionaries initdb
# installs, and the rest of the package's modules — not the JIT (llvmjit needs 105 MB of LLVM;
# without it the server simply does not compile queries).
modules=()
for m in "$libdir"/*.so; do [ "$(basename "$m")" = llvmjit.so ] || modules+=("$m"); done

copy "${programs[@]}" "${tools[@]}" "${modules[@]}"
# shellcheck disable=SC2046
copy $(libs "${programs[@]}" "${tools[@]}" "${modules[@]}")
mkdir -p "$root$(dirname "$sharedir")"
cp -a "$sharedir" "$root$sharedir"
cp -a /usr/share/zoneinfo "$root/usr/share/zoneinfo"
mkdir -p "$root/bin" "$root/usr/bin"
ln -sf "${tools[0]}" "$root/bin/sh"
[ "${tools[1]}" = /usr/bin/mkdir ] || ln -sf "${tools[1]}" "$root/usr/bin/mkdir"
[ "${tools[2]}" = /usr/bin/rm ] || ln -sf "${tools[2]}" "$root/usr/bin/rm"
for f in /etc/nsswitch.conf /etc/protocols /etc/services; do [ -f "$f" ] && copy "$f"; done

# The server refuses to run as root: it runs as postgres (999), who owns /data.
uid=999
mkdir -p "$root/etc" "$root/tmp" "$root/data" "$root/var/run"
chmod 1777 "$root/tmp"
printf 'root:x:0:0:root:/root:/bin/sh\npostgres:x:%s:%s:PostgreSQL:/data:/bin/sh\n' "$uid" "$uid" >"$root/etc/passwd"
printf 'root:x:0:\npostgres:x:%s:\n' "$uid" >"$root/etc/group"
chown "$uid:$uid" "$root/data"
chmod 0755 "$root/data"

tar -C "$root" --numeric-owner -c . | docker import \
  --message "faultline offline PostgreSQL ${version} base, $(uname -m)" \
  - "$base" >/dev/null
# The classic builder: the Dockerfile only sets metadata, and buildx may not be installed.
if ! out="$(DOCKER_BUILDKIT=0 docker build --build-arg "BASE=$base" --build-arg "PG_BIN=$bindir" \
  --label faultline=image -t "$image" -f "$dockerfile" "$here/systems/postgres" 2>&1)"; then
  die "docker build of $image failed: $out"
fi
echo "built $image (PostgreSQL ${version}, $(docker image inspect -f '{{.Size}}' "$image" | awk '{printf "%.0f MB", $1/1e6}'))"
