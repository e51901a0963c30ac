#!/bin/bash
# Writes server.properties from defaults + KAFKA_* variables, formats the log dir once, then
# execs the broker (PID 1: SIGTERM shuts it down cleanly).
set -euo pipefail
declare -A props=(
  [process.roles]=broker,controller
  [node.id]=1
  [controller.quorum.voters]=1@localhost:9093
  [listeners]=INTERNAL://0.0.0.0:19092,EXTERNAL://0.0.0.0:9092,CONTROLLER://localhost:9093
  [advertised.listeners]="INTERNAL://${KAFKA_INTERNAL_HOST:-kafka}:19092,EXTERNAL://${KAFKA_EXTERNAL_ADVERTISED:-localhost:9092}"
  [listener.security.protocol.map]=INTERNAL:PLAINTEXT,EXTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT
  [inter.broker.listener.name]=INTERNAL
  [controller.listener.names]=CONTROLLER
  [log.dirs]=/var/lib/kafka/data
  [num.partitions]=3
  [offsets.topic.replication.factor]=1
  [offsets.topic.num.partitions]=1
  [transaction.state.log.replication.factor]=1
  [transaction.state.log.min.isr]=1
  [transaction.state.log.num.partitions]=1
  [share.coordinator.state.topic.replication.factor]=1
  [share.coordinator.state.topic.min.isr]=1
  [group.initial.rebalance.delay.ms]=0
)
while IFS='=' read -r name value; do
  case "$name" in
    KAFKA_HEAP_OPTS|KAFKA_OPTS|KAFKA_INTERNAL_HOST|KAFKA_EXTERNAL_ADVERTISED|KAFKA_HEALTH_PORT) continue ;;
  esac
  key="${name#KAFKA_}"; key="${key,,}"
  key="${key//___/-}"; key="${key//__/@}"; key="${key//_/.}"; key="${key//@/_}"
  props[$key]="$value"
done < <(env | grep -E '^KAFKA_[A-Z0-9_]+=' || true)
if [[ -n "${props[controller.quorum.bootstrap.servers]:-}" && -z "${KAFKA_CONTROLLER_QUORUM_VOTERS:-}" ]]; then
  unset 'props[controller.quorum.voters]'
fi

conf=/opt/kafka/config/server.properties
: >"$conf"
for key in "${!props[@]}"; do printf '%s=%s\n' "$key" "${props[$key]}" >>"$conf"; done

logdir="${props[log.dirs]%%,*}"
if [[ ! -f "$logdir/meta.properties" ]]; then
  cluster_id="${CLUSTER_ID:-$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')}"
  standalone=()
  [[ -n "${props[controller.quorum.voters]:-}" ]] || standalone=(--standalone)
  java -Xmx256m -XX:TieredStopAtLevel=1 -Dlog4j2.configurationFile=/opt/kafka/tools-log4j2.properties \
    -cp '/opt/kafka/libs/*' kafka.tools.StorageTool format "${standalone[@]}" --ignore-formatted \
    -t "$cluster_id" -c "$conf"
fi
# shellcheck disable=SC2086
exec java $KAFKA_HEAP_OPTS ${KAFKA_OPTS:-} -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:+ExitOnOutOfMemoryError \
  -Djava.awt.headless=true -Dlog4j2.configurationFile=/opt/kafka/log4j2.properties \
  -cp '/opt/kafka/libs/*' kafka.Kafka "$conf"
