#!/usr/bin/env bash
# Starts code-server with an extension folder loaded as an Extension Development Host, runs one command, stops it.
# Modelled on the shared harness's vscode-e2e.sh (same install, isolated dirs, process-group shutdown); the
# browser part is the command, which reads the workbench URL from $VSCODE_URL.
#
#   debug-session.sh --tools DIR --ext FOLDER --workspace DIR [--port N] -- COMMAND [ARGS...]
# Exit: the command's exit code; 2 = setup failure.
set -euo pipefail
export HARNESS_HOME="${HARNESS_HOME:-/tmp/aria-editor-e2e}"
TOOLS="" EXT="" WS="" PORT=8080
while [ $# -gt 0 ]; do
  case "$1" in
    --tools) TOOLS="$2"; shift 2 ;;
    --ext) EXT="$2"; shift 2 ;;
    --workspace) WS="$2"; shift 2 ;;
    --port) PORT="$2"; shift 2 ;;
    --) shift; break ;;
    *) echo "unknown arg $1" >&2; exit 2 ;;
  esac
done
[ -n "$TOOLS" ] && [ -n "$EXT" ] && [ -n "$WS" ] && [ $# -gt 0 ] || { echo "need --tools, --ext, --workspace and a command after --" >&2; exit 2; }
EXT="$(realpath "$EXT")"; WS="$(realpath "$WS")"
log() { echo "[debug-session $(date +%T)] $*" >&2; }

CS="$(bash "$TOOLS/install-code-server.sh" "$HARNESS_HOME" | tail -1)" || { echo "install-code-server.sh failed" >&2; exit 2; }
CS_DIR="$(dirname "$(dirname "$(dirname "$CS")")")"
[ -f "$CS_DIR/node-dir" ] && export PATH="$(cat "$CS_DIR/node-dir")/bin:$PATH"

RUN="$(mktemp -d "$HARNESS_HOME/run.XXXXXX")"
mkdir -p "$RUN/data/User" "$RUN/ext" "$RUN/cfg"
cat > "$RUN/data/User/settings.json" <<'JSON'
{
  "workbench.startupEditor": "none", "workbench.tips.enabled": false, "workbench.enableExperiments": false,
  "extensions.autoCheckUpdates": false, "extensions.autoUpdate": false, "extensions.ignoreRecommendations": true,
  "telemetry.telemetryLevel": "off", "update.mode": "none", "security.workspace.trust.enabled": false,
  "git.enabled": false, "chat.disableAIFeatures": true, "workbench.secondarySideBar.defaultVisibility": "hidden",
  "debug.toolBarLocation": "floating", "debug.openDebug": "openOnDebugBreak", "debug.internalConsoleOptions": "neverOpen"
}
JSON
export XDG_CONFIG_HOME="$RUN/cfg" XDG_DATA_HOME="$RUN/xdg-data" XDG_CACHE_HOME="$RUN/xdg-cache" XDG_STATE_HOME="$RUN/xdg-state"
export EXTENSIONS_GALLERY='{"serviceUrl":"http://127.0.0.1:9/gallery","itemUrl":"http://127.0.0.1:9/item"}'

if curl -s -o /dev/null "http://127.0.0.1:$PORT/"; then echo "port $PORT already in use" >&2; exit 2; fi
log "starting code-server on 127.0.0.1:$PORT (logs: $RUN/server.log)"
setsid "$CS" --bind-addr "127.0.0.1:$PORT" --auth none --disable-telemetry --disable-update-check \
  --disable-workspace-trust --disable-getting-started-override \
  --user-data-dir "$RUN/data" --extensions-dir "$RUN/ext" "$WS" > "$RUN/server.log" 2>&1 < /dev/null &
CS_PID=$!
stop_server() {
  kill -TERM -- "-$CS_PID" 2>/dev/null || true
  for _ in $(seq 1 20); do kill -0 "$CS_PID" 2>/dev/null || break; sleep 0.25; done
  kill -KILL -- "-$CS_PID" 2>/dev/null || true
}
trap stop_server EXIT
for _ in $(seq 1 240); do
  curl -s -o /dev/null "http://127.0.0.1:$PORT/healthz" && break
  kill -0 "$CS_PID" 2>/dev/null || { cat "$RUN/server.log" >&2; exit 2; }
  sleep 0.25
done
curl -s -o /dev/null "http://127.0.0.1:$PORT/healthz" || { echo "code-server did not come up" >&2; exit 2; }
log "code-server up"

P=$(node -e 'console.log(encodeURIComponent(JSON.stringify([["extensionDevelopmentPath","vscode-remote://127.0.0.1:"+process.argv[1]+process.argv[2]]])))' "$PORT" "$EXT")
export VSCODE_URL="http://127.0.0.1:$PORT/?folder=$(node -e 'console.log(encodeURIComponent(process.argv[1]))' "$WS")&payload=$P"
export VSCODE_RUN_DIR="$RUN"
set +e
"$@"
RC=$?
set -e
log "exit $RC; server log $RUN/server.log; extension host logs under $RUN/data/logs"
exit $RC
