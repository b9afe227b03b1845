#!/usr/bin/env bash
# Remove leftovers of crashed Blockscope lab runs: every network namespace
# named bs-* (the lab's prefix), after killing the processes running inside
# it (all of them were started by the lab), and the lab's temp directories.
# Touches nothing else: no host interfaces, routes or netfilter rules.
set -u
[[ $(id -u) -eq 0 ]] || { echo "cleanup: must run as root" >&2; exit 2; }
n=0
for ns in $(ip netns list | awk '{print $1}' | grep '^bs-' || true); do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do
        echo "cleanup: killing pid $pid ($(ps -o comm= -p "$pid" 2>/dev/null)) in $ns"
        kill -TERM "$pid" 2>/dev/null || true
    done
    sleep 0.5
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
    ip netns del "$ns" && echo "cleanup: removed namespace $ns" && n=$((n + 1))
done
for d in /tmp/bs-lab.*; do
    [[ -d "$d" ]] && rm -rf "$d" && echo "cleanup: removed $d"
done
echo "cleanup: $n namespace(s) removed"
