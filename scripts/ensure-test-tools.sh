#!/usr/bin/env bash
# Before `npm test`: the integration tests need Java and Maven (the local Kafka broker), redis-server,
# kcat (a Kafka client that is not ours), and Chromium (the review page's browser test). On a Debian machine where we are root, missing Debian
# packages are installed; elsewhere this says exactly what to install and fails.
set -euo pipefail
need=()
command -v java >/dev/null || need+=(openjdk-17-jre-headless)
command -v mvn >/dev/null || need+=(maven)
command -v redis-server >/dev/null || need+=(redis-server)
command -v kcat >/dev/null || need+=(kcat)
command -v chromium >/dev/null || need+=(chromium)
{ command -v prometheus >/dev/null && command -v promtool >/dev/null; } || need+=(prometheus)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "ensure-test-tools: installing ${need[*]} with apt-get" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
else
  echo "ensure-test-tools: missing ${need[*]}: install them (Debian: sudo apt-get install ${need[*]})" >&2
  exit 1
fi
