#!/usr/bin/env bash
# Makes Docker ready for `faultline run --runtime docker`, idempotently: installs docker.io and
# iptables when missing (apt-get, as root), starts dockerd when it is not running (published ports
# on 127.0.0.1 only, no userland proxy), waits for it, then builds the node images offline.
#
#   usage: scripts/docker-setup.sh          (CI runs it; so can users, once per machine)
#
# The dockerd log is /tmp/faultline-dockerd.log. Exits non-zero with the reason when Docker cannot
# be installed or started.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'docker-setup: %s\n' "$*"; }
die() { printf 'docker-setup: error: %s\n' "$*" >&2; exit 1; }
sudo_cmd() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else return 1; fi; }

# 1. The packages: the engine (dockerd, containerd, runc), its CLI, and iptables for its networks.
if ! command -v dockerd >/dev/null || ! command -v iptables >/dev/null || ! command -v docker >/dev/null; then
  if docker info >/dev/null 2>&1; then
    say "a Docker engine is already reachable: not installing docker.io"
  else
    command -v apt-get >/dev/null ||
      die "Docker is not installed and this is not a Debian/Ubuntu system: install Docker, start it, and run this script again"
    say "installing docker.io and iptables (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    sudo_cmd apt-get update -qq >/dev/null ||
      die "apt-get update failed (need root or sudo, and access to the Debian archive)"
    sudo_cmd apt-get install -y -qq docker.io iptables >/dev/null ||
      die "apt-get install docker.io iptables failed"
  fi
fi

# 2. The engine.
if ! docker info >/dev/null 2>&1; then
  [ "$(id -u)" = 0 ] || [ -S /var/run/docker.sock ] ||
    die "the Docker engine is not running and only root can start it here: run 'sudo dockerd' or start the docker service"
  if [ -S /var/run/docker.sock ] && [ "$(id -u)" != 0 ] && ! docker info >/dev/null 2>&1; then
    die "the Docker engine runs but this user may not use it: add yourself to the 'docker' group (then log in again)"
  fi
  # A pid file of a dockerd that is gone (killed, a zombie, a reused pid) would stop a new one.
  pidfile=/var/run/docker.pid
  old="$(cat "$pidfile" 2>/dev/null || true)"
  if [ -n "$old" ] && [ "$(cat "/proc/$old/comm" 2>/dev/null)" = dockerd ] &&
    ! grep -q '^State:[[:space:]]*Z' "/proc/$old/status" 2>/dev/null; then
    say "dockerd (pid $old) is starting: waiting for it"
    daemon="$old"
  else
    rm -f "$pidfile"
    say "starting dockerd (log: /tmp/faultline-dockerd.log)"
    nohup dockerd --ip=127.0.0.1 --userland-proxy=false >/tmp/faultline-dockerd.log 2>&1 </dev/null &
    daemon=$!
  fi
  for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && break
    kill -0 "$daemon" 2>/dev/null || break
    sleep 0.5
  done
  docker info >/dev/null 2>&1 || {
    tail -n 20 /tmp/faultline-dockerd.log >&2 || true
    die "dockerd did not start (see /tmp/faultline-dockerd.log above)"
  }
fi
say "Docker engine $(docker version -f '{{.Server.Version}}') is up"

# 3. The images: the offline base and the node image (skipped when already built for this source).
[ -d node_modules ] || die "node_modules is missing: run 'npm ci' first"
node bin/run-ts.js scripts/build-node-image.ts
