#!/usr/bin/env bash
# A real single-node Apache Kafka broker (KRaft) for development and CI, without Docker.
#
#   ops/kafka/kafka.sh fetch    copy the broker's jars from Maven Central into ops/kafka/lib/<version> (once)
#   ops/kafka/kafka.sh start    format storage if new, start the broker, wait until it serves
#   ops/kafka/kafka.sh stop     stop the broker this script started (by its pid file), nothing else
#   ops/kafka/kafka.sh status   exit 0 when the broker we started is running
#
# KAFKA_PORT (default 9092) picks the client port; the controller listens on KAFKA_PORT+1. Each
# port has its own state folder, so a test can run a second broker beside the first.
# KAFKA_DATA_DIR overrides that folder. KAFKA_HEAP (default 512m).
# KAFKA_VERSION picks the broker: the default is pom.xml's kafka.version (4.4.0); 3.9.1 is the other
# version the suite is proven against. Each version has its own jars and its own state folder.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
default_version=$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$here/pom.xml" | head -n 1)
version=${KAFKA_VERSION:-$default_version}
case "$version" in
  3.*) line=3 ;;
  4.*) line=4 ;;
  *) printf 'kafka.sh: KAFKA_VERSION=%s is not a Kafka 3.x or 4.x version\n' "$version" >&2; exit 2 ;;
esac
lib="$here/lib/$version"
port=${KAFKA_PORT:-9092}
controller_port=$((port + 1))
data=${KAFKA_DATA_DIR:-"$here/../../.cache/kafka-$version-$port"}
pidfile="$data/broker.pid"
log="$data/logs/server.log"

say() { printf 'kafka.sh: %s\n' "$*" >&2; }

fetch() {
  if [ -f "$lib/.complete" ]; then return 0; fi
  say "fetching the jars of Kafka $version from Maven Central (ops/kafka/pom.xml) ..."
  rm -rf "$lib"
  mvn -q -B -f "$here/pom.xml" dependency:copy-dependencies -P "kafka$line" -Dkafka.version="$version" \
    -DincludeScope=runtime -DoutputDirectory="$lib"
  touch "$lib/.complete"
}

running() {
  [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null
}

start() {
  fetch
  if running; then say "already running on 127.0.0.1:$port (pid $(cat "$pidfile"))"; return 0; fi
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    say "port $port is taken by a process this script did not start; set KAFKA_PORT or stop it"
    exit 1
  fi
  mkdir -p "$data/logs" "$data/log-dirs"
  data=$(cd "$data" && pwd); pidfile="$data/broker.pid"; log="$data/logs/server.log"
  cat > "$data/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$controller_port
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$controller_port
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$data/log-dirs
num.partitions=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
log.retention.hours=168
PROPS
  local logging
  if [ "$line" = 3 ]; then
    cat > "$data/log4j.properties" <<PROPS
log4j.rootLogger=INFO, file
log4j.appender.file=org.apache.log4j.FileAppender
log4j.appender.file.File=$log
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.request.logger=WARN
log4j.logger.org.apache.kafka.controller=WARN
PROPS
    logging=-Dlog4j.configuration="file:$data/log4j.properties"
  else
    cat > "$data/log4j2.properties" <<PROPS
status = warn
appender.file.type = File
appender.file.name = file
appender.file.fileName = $log
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = info
rootLogger.appenderRef.file.ref = file
logger.request.name = kafka.request.logger
logger.request.level = warn
logger.controller.name = org.apache.kafka.controller
logger.controller.level = warn
PROPS
    logging=-Dlog4j2.configurationFile="$data/log4j2.properties"
  fi
  local java_opts=(-Xms"${KAFKA_HEAP:-512m}" -Xmx"${KAFKA_HEAP:-512m}" -XX:+UseG1GC
    -Djava.awt.headless=true "$logging" -Dkafka.logs.dir="$data/logs" -cp "$lib/*")
  if [ ! -f "$data/log-dirs/meta.properties" ]; then
    local id
    id=$(java "${java_opts[@]}" kafka.tools.StorageTool random-uuid)
    java "${java_opts[@]}" kafka.tools.StorageTool format -t "$id" -c "$data/server.properties" >/dev/null
    say "formatted new storage in $data (Kafka $version, cluster $id)"
  fi
  : > "$log"
  nohup java "${java_opts[@]}" kafka.Kafka "$data/server.properties" >"$data/logs/stdout.log" 2>&1 &
  echo $! > "$pidfile"
  say "starting Kafka $version on 127.0.0.1:$port (pid $!, logs in $data/logs)"
  for _ in $(seq 1 120); do
    if grep -q 'Kafka Server started' "$log" 2>/dev/null; then say "Kafka $version ready on 127.0.0.1:$port"; return 0; fi
    if ! running; then say "broker exited during start:"; tail -n 30 "$data/logs/stdout.log" "$log" >&2; exit 1; fi
    sleep 0.5
  done
  say "broker not ready after 60 s:"; tail -n 30 "$log" >&2
  stop; exit 1
}

stop() {
  if ! running; then say "not running (port $port)"; rm -f "$pidfile"; return 0; fi
  local pid; pid=$(cat "$pidfile")
  kill "$pid"
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || { rm -f "$pidfile"; say "stopped (pid $pid)"; return 0; }; sleep 0.5; done
  say "broker did not stop in 30 s; killing pid $pid"; kill -9 "$pid" 2>/dev/null || true; rm -f "$pidfile"
}

case "${1:-}" in
  fetch) fetch ;;
  start) start ;;
  stop) stop ;;
  status) running ;;
  version) echo "$version" ;;
  *) echo "usage: $0 fetch|start|stop|status|version" >&2; exit 2 ;;
esac
