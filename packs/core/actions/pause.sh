#!/usr/bin/env bash
# core.pause: sleeps max_pause seconds ($1), or a random 1..max_pause when random ($2) is 1,
# and prints the delay, as st2's pause.py returns it (stdout parses as the number).
set -eu
max_pause="$1"
random="${2:-0}"
delay="$max_pause"
if [ "$random" = "1" ] && [ "$max_pause" -ge 1 ]; then
  delay=$(( (RANDOM % max_pause) + 1 ))
fi
sleep "$delay"
echo "$delay"
