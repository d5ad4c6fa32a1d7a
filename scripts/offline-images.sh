#!/usr/bin/env bash
# Prepare the images docker-compose.yml and the testcontainers path need, on a machine that cannot
# reach a container registry. Everything comes from the Debian mirror and from the Kafka and
# Elasticsearch artifacts the local stack already fetches into /var/cache/newsflow; the images are
# tagged with the upstream names, so the product's own files keep referring to the official images.
#
#   scripts/offline-images.sh [--install] [--start-engine] [TARGET...]
#
#   --install       apt-get install docker.io + debootstrap when missing, and build Docker Compose v2
#                   from the Go module proxy into /usr/local/lib/docker/cli-plugins when
#                   `docker compose` is missing (needs Go; see docs/deploy.md)
#   --start-engine  start dockerd when no engine answers; its pid goes to $NEWSFLOW_DOCKERD_PIDFILE
#                   (stop it with `kill "$(cat "$NEWSFLOW_DOCKERD_PIDFILE")"`; nothing else kills it)
#   --no-images     build nothing (with --start-engine: only make sure an engine runs)
#   TARGET          base | python | kafka | elasticsearch | all (default: all). An image that
#                   already exists is kept; NEWSFLOW_IMAGES_REBUILD=1 rebuilds.
#
# The images (stand-ins, for development machines without a registry; see docs/deploy.md):
#   newsflow/debian-minbase:bookworm, :trixie  debootstrap --variant=minbase, `docker import`
#   python:3.11-slim        Debian bookworm's python3.11 (3.11.2) as a venv at /usr/local, with this
#                           machine's extra CA certificates (pip must trust the egress proxy here)
#   apache/kafka:VER        Kafka's jars from the local-stack cache + Debian trixie's OpenJDK 21,
#                           KAFKA_* environment → server.properties as in the official image
#   docker.elastic.co/elasticsearch/elasticsearch:VER
#                           the local stack's minimal node (+ newsflow's analysis plugin) + OpenJDK 21
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
IMAGES_DIR="${NEWSFLOW_IMAGES_DIR:-/var/cache/newsflow/images}"
PIDFILE="${NEWSFLOW_DOCKERD_PIDFILE:-/var/lib/newsflow-images/dockerd.pid}"
MIRROR="${NEWSFLOW_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
KAFKA_VERSION="${NEWSFLOW_KAFKA_VERSION:-4.1.1}"
ES_VERSION="${NEWSFLOW_ES_VERSION:-9.2.0}"
COMPOSE_VERSION="${NEWSFLOW_COMPOSE_VERSION:-v2.40.3}"
MAVEN="${NEWSFLOW_MAVEN_CENTRAL:-https://repo1.maven.org/maven2}"
PY="${PYTHON:-$ROOT/.venv/bin/python}"
EXTRA_CA_DIR="${NEWSFLOW_EXTRA_CA_DIR:-/usr/local/share/ca-certificates}"

log() { printf '[offline-images %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

install=0 start_engine=0 targets=()
for arg in "$@"; do
  case "$arg" in
    --install) install=1 ;;
    --start-engine) start_engine=1 ;;
    --no-images) targets+=(none) ;;
    base | python | kafka | elasticsearch | all) targets+=("$arg") ;;
    -h | --help) sed -n '2,27p' "$0"; exit 0 ;;
    *) die "unknown argument: $arg (see --help)" ;;
  esac
done
[[ ${#targets[@]} -eq 0 || " ${targets[*]} " == *" all "* ]] && targets=(base python kafka elasticsearch)

# ------------------------------------------------------------------------------------ engine + tools

install_tools() {
  local missing=()
  command -v dockerd > /dev/null || missing+=(docker.io)
  command -v debootstrap > /dev/null || missing+=(debootstrap)
  if [[ ${#missing[@]} -gt 0 ]]; then
    log "apt-get install ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
  fi
  if ! docker compose version > /dev/null 2>&1; then
    command -v go > /dev/null || die "docker compose is missing and there is no Go toolchain to build it"
    local gopath modules
    gopath="$(go env GOPATH)"
    log "building Docker Compose $COMPOSE_VERSION from the Go module proxy"
    (cd /tmp && GOFLAGS=-mod=mod go mod download "github.com/docker/compose/v2@$COMPOSE_VERSION")
    modules="$gopath/pkg/mod/github.com/docker/compose/v2@$COMPOSE_VERSION"
    mkdir -p /usr/local/lib/docker/cli-plugins
    (cd "$modules" && GOFLAGS=-mod=mod go build -trimpath \
      -ldflags "-s -w -X github.com/docker/compose/v2/internal.Version=$COMPOSE_VERSION" \
      -o /usr/local/lib/docker/cli-plugins/docker-compose ./cmd)
    docker compose version
  fi
}

ensure_engine() {
  if docker info > /dev/null 2>&1; then
    return
  fi
  [[ $start_engine == 1 ]] || die "no Docker engine answers (start one, or pass --start-engine)"
  command -v dockerd > /dev/null || die "dockerd is not installed (pass --install)"
  mkdir -p "$(dirname "$PIDFILE")"
  log "starting dockerd (log: $(dirname "$PIDFILE")/dockerd.log)"
  (cd / && nohup dockerd > "$(dirname "$PIDFILE")/dockerd.log" 2>&1 & echo $! > "$PIDFILE")
  for _ in $(seq 1 60); do
    docker info > /dev/null 2>&1 && { log "dockerd up, pid $(cat "$PIDFILE")"; return; }
    sleep 1
  done
  die "dockerd did not answer within 60 s (see $(dirname "$PIDFILE")/dockerd.log)"
}

have_image() { [[ ${NEWSFLOW_IMAGES_REBUILD:-0} != 1 ]] && docker image inspect "$1" > /dev/null 2>&1; }

# --------------------------------------------------------------------------------------------- images

build_minbase() {
  local suite="$1" tag="newsflow/debian-minbase:$1" rootfs="$IMAGES_DIR/rootfs-$1"
  have_image "$tag" && { log "$tag exists"; return; }
  command -v debootstrap > /dev/null || die "debootstrap is not installed (pass --install)"
  mkdir -p "$IMAGES_DIR"
  if [[ ! -x $rootfs/usr/bin/apt-get ]]; then
    rm -rf "$rootfs"
    log "debootstrap --variant=minbase $suite (from $MIRROR)"
    debootstrap --variant=minbase "$suite" "$rootfs" "$MIRROR" > "$IMAGES_DIR/debootstrap-$suite.log"
  fi
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  log "docker import $tag"
  tar -C "$rootfs" -c . | docker import -c 'CMD ["bash"]' -c 'ENV LANG=C.UTF-8' - "$tag" > /dev/null
}

# A build context holding this machine's extra CA certificates (may be empty).
context_with_cas() {
  local dir="$1"
  mkdir -p "$dir/extra-ca"
  if compgen -G "$EXTRA_CA_DIR/*.crt" > /dev/null; then
    cp "$EXTRA_CA_DIR"/*.crt "$dir/extra-ca/"
  fi
}

build_python() {
  local tag="python:3.11-slim" ctx
  have_image "$tag" && { log "$tag exists"; return; }
  ctx="$(mktemp -d)"
  context_with_cas "$ctx"
  cat > "$ctx/Dockerfile" << 'EOF'
FROM newsflow/debian-minbase:bookworm
COPY extra-ca/ /usr/local/share/ca-certificates/
# Debian's Python 3.11 as a venv at /usr/local: `python` and `pip` on PATH as in the official image.
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
       python3.11 python3.11-venv ca-certificates \
    && update-ca-certificates \
    && python3.11 -m venv /usr/local \
    && ln -sf python3 /usr/local/bin/python \
    && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb
# pip 23 (bookworm's ensurepip) reads certifi's bundle, not the system's: point it at the system's.
ENV PATH=/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
    PIP_CERT=/etc/ssl/certs/ca-certificates.crt SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
CMD ["python3"]
EOF
  log "building $tag (Debian bookworm python3.11)"
  docker build -q -t "$tag" "$ctx" > /dev/null
  rm -rf "$ctx"
}

# Where the local stack keeps Kafka's jars and the Elasticsearch node (fetched now if missing).
artifact_paths() {
  "$PY" - "$KAFKA_VERSION" "$ES_VERSION" << 'EOF'
import sys
from newsflow.local.stack import analysis_plugin, artifacts, jdk

kafka = artifacts.ensure_kafka(version=sys.argv[1])
es = artifacts.ensure_elasticsearch(None, [sys.argv[2]])
es = analysis_plugin.ensure_analysis_distribution(es, jdk.find_java(es.min_java), artifacts.default_cache_dir())
print(kafka.libs_dir)
print(es.home)
EOF
}

build_kafka() {
  local tag="apache/kafka:$KAFKA_VERSION" ctx libs tools
  have_image "$tag" && { log "$tag exists"; return; }
  libs="$(artifact_paths | sed -n 1p)"
  ctx="$(mktemp -d)"
  cp -r "$libs" "$ctx/libs"
  # kafka-broker-api-versions.sh (the compose healthcheck) lives in kafka-tools, which the local
  # stack does not need: fetch that one jar from Maven Central (cached next to the rootfs).
  tools="$IMAGES_DIR/kafka-tools-$KAFKA_VERSION.jar"
  [[ -s $tools ]] || curl -fsSL -o "$tools" \
    "$MAVEN/org/apache/kafka/kafka-tools/$KAFKA_VERSION/kafka-tools-$KAFKA_VERSION.jar"
  cp "$tools" "$ctx/libs/"
  cp "$ROOT/scripts/offline-images/kafka-run" "$ROOT/scripts/offline-images/kafka-tool" "$ctx/"
  cat > "$ctx/Dockerfile" << 'EOF'
FROM newsflow/debian-minbase:trixie
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends openjdk-21-jre-headless \
    && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb \
    && useradd --system --uid 1000 --home-dir /opt/kafka appuser \
    && mkdir -p /opt/kafka/bin /opt/kafka/config /var/lib/kafka/data /etc/kafka/docker \
    && chown -R appuser /var/lib/kafka /opt/kafka/config
COPY libs/ /opt/kafka/libs/
COPY kafka-run /etc/kafka/docker/run
COPY kafka-tool /opt/kafka/bin/kafka-tool
RUN for t in kafka-broker-api-versions:org.apache.kafka.tools.BrokerApiVersionsCommand \
             kafka-storage:kafka.tools.StorageTool kafka-server-start:kafka.Kafka; do \
      printf '#!/bin/sh\nexec /opt/kafka/bin/kafka-tool %s "$@"\n' "${t#*:}" > "/opt/kafka/bin/${t%%:*}.sh"; \
      chmod 755 "/opt/kafka/bin/${t%%:*}.sh"; \
    done
USER appuser
WORKDIR /opt/kafka
EXPOSE 9092
CMD ["/etc/kafka/docker/run"]
EOF
  log "building $tag (local-stack jars + OpenJDK 21 from Debian trixie)"
  docker build -q -t "$tag" "$ctx" > /dev/null
  rm -rf "$ctx"
}

build_elasticsearch() {
  local tag="docker.elastic.co/elasticsearch/elasticsearch:$ES_VERSION" ctx home
  have_image "$tag" && { log "$tag exists"; return; }
  home="$(artifact_paths | sed -n 2p)"
  ctx="$(mktemp -d)"
  cp -r "$home" "$ctx/elasticsearch"
  rm -rf "$ctx/elasticsearch/data" "$ctx/elasticsearch/logs"/*
  cp "$ROOT/scripts/offline-images/elasticsearch-run" "$ctx/"
  cat > "$ctx/Dockerfile" << 'EOF'
FROM newsflow/debian-minbase:trixie
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
       openjdk-21-jre-headless curl \
    && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb \
    && useradd --uid 1000 --home-dir /usr/share/elasticsearch elasticsearch
COPY --chown=1000:0 elasticsearch/ /usr/share/elasticsearch/
COPY elasticsearch-run /usr/local/bin/elasticsearch-run
RUN mkdir -p /usr/share/elasticsearch/data /usr/share/elasticsearch/logs \
    && chown -R 1000:0 /usr/share/elasticsearch
ENV ES_JAVA_HOME=/usr/lib/jvm/java-21-openjdk-amd64 PATH=/usr/share/elasticsearch/bin:/usr/sbin:/usr/bin:/sbin:/bin
USER elasticsearch
WORKDIR /usr/share/elasticsearch
EXPOSE 9200 9300
CMD ["/usr/local/bin/elasticsearch-run"]
EOF
  log "building $tag (the local stack's minimal node + OpenJDK 21 from Debian trixie)"
  docker build -q -t "$tag" "$ctx" > /dev/null
  rm -rf "$ctx"
}

# ---------------------------------------------------------------------------------------------- main

t0=$SECONDS
[[ $install == 1 ]] && install_tools
ensure_engine
for target in "${targets[@]}"; do
  case "$target" in
    base) build_minbase bookworm; build_minbase trixie ;;
    python) build_minbase bookworm; build_python ;;
    kafka) build_minbase trixie; build_kafka ;;
    elasticsearch) build_minbase trixie; build_elasticsearch ;;
    none) ;;
  esac
done
log "done in $((SECONDS - t0)) s"
docker image ls --format '{{.Repository}}:{{.Tag}}  {{.Size}}' \
  | grep -E '^(newsflow/debian-minbase|python:3.11-slim|apache/kafka|docker.elastic.co/elasticsearch)' >&2 || true
