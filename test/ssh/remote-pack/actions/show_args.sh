#!/bin/bash
# Prints its arguments one per line, the secret it got through the environment, and its own path.
for a in "$@"; do echo "arg:$a"; done
echo "token-from-env:${ST2_ACTION_PARAM_TOKEN}"
echo "self:$0"
ps -eo args | grep -c "[s]3cr3t-t0ken" || true
