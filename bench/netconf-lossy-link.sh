#!/usr/bin/env bash
# NETCONF session setup over a slow, lossy link, with real TCP loss: the lab switch and `dcagent
# plan` run in a network namespace of their own, whose loopback drops a share of the switch's SSH
# packets (iptables' statistic match), while the lab delays every chunk each way
# (`lab ctl impair --netconf-delay-ms`). Nothing outside the namespace is touched.
#
# Needs root (ip netns, iptables) and a built dist/. Prints one JSON line:
#   { lossPct, delayMsEachWay, runs, failures, planMs: { p50, p90, max }, baselineMs }
# Usage: [LOSS=0.05] [DELAY_MS=200] [RUNS=30] bench/netconf-lossy-link.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

LOSS=${LOSS:-0.05}
DELAY_MS=${DELAY_MS:-200}
RUNS=${RUNS:-30}

need() { command -v "$1" >/dev/null || { echo "bench/netconf-lossy-link: needs $1 ($2)" >&2; exit 2; }; }
[ "$(id -u)" = 0 ] || { echo "bench/netconf-lossy-link: needs root (ip netns, iptables)" >&2; exit 2; }
need ip "Debian package iproute2"
command -v iptables >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq iptables >/dev/null
need iptables "Debian package iptables"
[ -f dist/agent/commands/main.js ] || npm run build --silent

ns="dcagent-lossy-$$"
dir=$(mktemp -d)
lab_pid=""
cleanup() {
  [ -n "$lab_pid" ] && kill "$lab_pid" 2>/dev/null && wait "$lab_pid" 2>/dev/null || true
  ip netns del "$ns" 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT

ip netns add "$ns"
ip netns exec "$ns" ip link set lo up
in_ns() { ip netns exec "$ns" "$@"; }

in_ns node bin/dcagent.js lab --devices 1 --ports 2 --platform ietf-interfaces \
  --config-out "$dir/agent.yaml" --redis-url redis://127.0.0.1:1 >"$dir/lab.log" 2>&1 &
lab_pid=$!
for _ in $(seq 1 100); do [ -f "$dir/state.json" ] && break; sleep 0.1; done
[ -f "$dir/state.json" ] || { echo "bench/netconf-lossy-link: the lab did not start:" >&2; cat "$dir/lab.log" >&2; exit 1; }

read -r device port ssh_port < <(node -e '
  const y = require("yaml"); const fs = require("fs");
  const d = y.parse(fs.readFileSync(process.argv[1], "utf8")).devices[0];
  const p = d.ports[0]; console.log(d.id, typeof p === "string" ? p : p.name, d.netconf.port);
' "$dir/agent.yaml")

plan_ms() {
  local t0 t1
  t0=$(date +%s%N)
  if in_ns node bin/dcagent.js plan provision --device "$device" --port "$port" --connection hc-lossy-1 \
    --json --config "$dir/agent.yaml" >/dev/null 2>>"$dir/plan.err"; then
    t1=$(date +%s%N)
    echo $(((t1 - t0) / 1000000))
  else
    echo fail
  fi
}

# The same command on a clean link: what node's start-up and the plan itself cost.
baseline=$(plan_ms)

# Control-API traffic is not the switch's: impair first, then drop only the switch's SSH packets.
in_ns node bin/dcagent.js lab ctl impair --device "$device" --netconf-delay-ms "$DELAY_MS" \
  --config "$dir/agent.yaml" >/dev/null
in_ns iptables -A INPUT -p tcp --dport "$ssh_port" -m statistic --mode random --probability "$LOSS" -j DROP
in_ns iptables -A INPUT -p tcp --sport "$ssh_port" -m statistic --mode random --probability "$LOSS" -j DROP

results=()
for _ in $(seq 1 "$RUNS"); do results+=("$(plan_ms)"); done

dropped=$(in_ns iptables -L INPUT -v -x -n | awk '/DROP/ { n += $1 } END { print n + 0 }')
printf '%s\n' "${results[@]}" | node -e '
  const lines = require("fs").readFileSync(0, "utf8").trim().split("\n");
  const ok = lines.filter((l) => l !== "fail").map(Number).sort((a, b) => a - b);
  const q = (p) => ok.length ? ok[Math.min(ok.length - 1, Math.floor(p * ok.length))] : null;
  const [loss, delay, runs, baseline, dropped] = process.argv.slice(1);
  console.log(JSON.stringify({
    lossPct: Number(loss) * 100, delayMsEachWay: Number(delay), runs: Number(runs),
    failures: lines.length - ok.length, packetsDropped: Number(dropped),
    planMs: { p50: q(0.5), p90: q(0.9), max: ok.at(-1) ?? null }, baselineMs: Number(baseline),
  }));
' "$LOSS" "$DELAY_MS" "$RUNS" "$baseline" "$dropped"
if [ -s "$dir/plan.err" ]; then
  echo "bench/netconf-lossy-link: plan's stderr:" >&2
  sort "$dir/plan.err" | uniq -c | sort -rn | head -5 >&2
fi
