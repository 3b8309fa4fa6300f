#!/usr/bin/env bash
# Container health check without curl in the image: GET /healthz over bash's /dev/tcp.
# Healthy (exit 0) only on an HTTP 200 answer; anything else, or no answer, exits 1.
#   costbot-healthcheck [PATH]    env: COSTBOT_HEALTH_HOST (127.0.0.1), COSTBOT_HEALTH_PORT (8080),
#                                  COSTBOT_HEALTH_TIMEOUT (seconds to wait for the answer, 5)
set -uo pipefail
host=${COSTBOT_HEALTH_HOST:-127.0.0.1}
port=${COSTBOT_HEALTH_PORT:-8080}
timeout=${COSTBOT_HEALTH_TIMEOUT:-5}
path=${1:-/healthz}

if ! exec 3<>"/dev/tcp/$host/$port"; then
  echo "unhealthy: nothing listening on $host:$port"
  exit 1
fi
printf 'GET %s HTTP/1.1\r\nHost: %s:%s\r\nConnection: close\r\nUser-Agent: costbot-healthcheck\r\n\r\n' \
  "$path" "$host" "$port" >&3
status_line=""
IFS= read -r -t "$timeout" status_line <&3
exec 3<&-
status_line=${status_line%$'\r'}
read -r _version code _ <<<"$status_line"
if [ "${code:-}" = 200 ]; then
  exit 0
fi
echo "unhealthy: GET $path answered '${status_line:-nothing}'"
exit 1
