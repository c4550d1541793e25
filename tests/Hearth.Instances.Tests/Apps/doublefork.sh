#!/usr/bin/env bash
# Leaves a grandchild behind that survives its parent (the classic daemon double fork), then serves on $PORT.
( ( exec -a hearth-test-daemon sleep 3600 ) & ) 
echo "daemon started"
exec /usr/bin/python3 -u -m http.server --bind 127.0.0.1 "$PORT"
