#!/usr/bin/env bash
# Runs the Kafka integration suite (test/**/*.kafka.test.ts) against another Kafka version than the
# default one `npm test` uses: `bash scripts/test-kafka-version.sh 3.9.1` (npm run test:kafka-3).
# The broker runs beside any other on its own port and state folder, and is stopped at the end; tests
# that start brokers of their own (a broker restart) start the same version.
set -euo pipefail
cd "$(dirname "$0")/.."
version=${1:?usage: scripts/test-kafka-version.sh VERSION (for example 3.9.1)}
port=${KAFKA_COMPAT_PORT:-19192}
export KAFKA_VERSION="$version"
cleanup() { KAFKA_PORT="$port" bash ops/kafka/kafka.sh stop || true; }
trap cleanup EXIT
KAFKA_PORT="$port" bash ops/kafka/kafka.sh start
KAFKA_BROKERS="127.0.0.1:$port" npx vitest run kafka.test
