#!/usr/bin/env bash
# Runs one command against a real VS Code (code-server) with an extension installed or loaded, then stops code-server.
# Adapted from the shared harness's vscode-e2e.sh: the same install, isolation and shutdown, but the browser part
# is any command (our Aria driver), which reads the workbench URL from $VSCODE_URL.
#
#   vscode-session.sh --tools DIR --ext X.vsix|FOLDER --workspace DIR [--port N] [--settings JSON] -- COMMAND [ARGS...]
#     --tools DIR     the shared editor-e2e folder (install-code-server.sh lives there)
#     --ext PATH      a .vsix, installed with --install-extension into a fresh extensions dir, or a built extension
#                     folder, loaded as an Extension Development Host (the debugger's e2e uses that)
#     --workspace DIR folder to open
#     --settings JSON extra user settings merged over the harness defaults
#     --restricted    keep workspace trust on and never prompt, so the folder opens in Restricted Mode
# Exit: the command's exit code; 2 = setup failure (install, port busy, code-server not up).
set -euo pipefail
export HARNESS_HOME="${HARNESS_HOME:-/tmp/aria-editor-e2e}"
TOOLS="" EXT="" WS="" PORT=8080 EXTRA_SETTINGS='{}' RESTRICTED=0
while [ $# -gt 0 ]; do
  case "$1" in
    --tools) TOOLS="$2"; shift 2 ;;
    --ext) EXT="$2"; shift 2 ;;
    --workspace) WS="$2"; shift 2 ;;
    --port) PORT="$2"; shift 2 ;;
    --settings) EXTRA_SETTINGS="$2"; shift 2 ;;
    --restricted) RESTRICTED=1; shift ;;
    --) shift; break ;;
    *) echo "unknown arg $1" >&2; exit 2 ;;
  esac
done
[ -n "$TOOLS" ] && [ -n "$EXT" ] && [ -n "$WS" ] && [ $# -gt 0 ] || { echo "need --tools, --ext, --workspace and a command after --" >&2; exit 2; }
[ -f "$TOOLS/install-code-server.sh" ] || { echo "no install-code-server.sh in $TOOLS" >&2; exit 2; }
EXT="$(realpath "$EXT")"; WS="$(realpath "$WS")"
log() { echo "[vscode-session $(date +%T)] $*" >&2; }

CS="$(bash "$TOOLS/install-code-server.sh" "$HARNESS_HOME" | tail -1)" || { echo "install-code-server.sh failed" >&2; exit 2; }
CS_DIR="$(dirname "$(dirname "$(dirname "$CS")")")"
[ -f "$CS_DIR/node-dir" ] && export PATH="$(cat "$CS_DIR/node-dir")/bin:$PATH"

RUN="$(mktemp -d "$HARNESS_HOME/run.XXXXXX")"
mkdir -p "$RUN/data/User" "$RUN/ext" "$RUN/cfg"
node -e '
  const base = {
    "workbench.startupEditor": "none", "workbench.tips.enabled": false, "workbench.enableExperiments": false,
    "extensions.autoCheckUpdates": false, "extensions.autoUpdate": false, "extensions.ignoreRecommendations": true,
    "telemetry.telemetryLevel": "off", "update.mode": "none", "security.workspace.trust.enabled": false,
    "git.enabled": false, "chat.disableAIFeatures": true, "workbench.secondarySideBar.defaultVisibility": "hidden",
  };
  const trust = process.argv[2] === "1"
    ? { "security.workspace.trust.enabled": true, "security.workspace.trust.startupPrompt": "never",
        "security.workspace.trust.banner": "always", "security.workspace.trust.untrustedFiles": "open" }
    : {};
  process.stdout.write(JSON.stringify({ ...base, ...trust, ...JSON.parse(process.argv[1]) }, null, 2));
' "$EXTRA_SETTINGS" "$RESTRICTED" > "$RUN/data/User/settings.json"
export XDG_CONFIG_HOME="$RUN/cfg" XDG_DATA_HOME="$RUN/xdg-data" XDG_CACHE_HOME="$RUN/xdg-cache" XDG_STATE_HOME="$RUN/xdg-state"
# the marketplace points at a closed loopback port so nothing reaches the network
export EXTENSIONS_GALLERY='{"serviceUrl":"http://127.0.0.1:9/gallery","itemUrl":"http://127.0.0.1:9/item"}'

PAYLOAD=""
if [ -d "$EXT" ]; then
  P=$(node -e 'console.log(encodeURIComponent(JSON.stringify([["extensionDevelopmentPath","vscode-remote://127.0.0.1:"+process.argv[1]+process.argv[2]]])))' "$PORT" "$EXT")
  PAYLOAD="&payload=$P"
else
  log "installing $EXT"
  "$CS" --user-data-dir "$RUN/data" --extensions-dir "$RUN/ext" --install-extension "$EXT" >&2 || { echo "install-extension failed" >&2; exit 2; }
fi

if curl -s -o /dev/null "http://127.0.0.1:$PORT/"; then echo "port $PORT already in use" >&2; exit 2; fi
log "starting code-server on 127.0.0.1:$PORT (logs: $RUN/server.log)"
TRUST_FLAG=--disable-workspace-trust
[ "$RESTRICTED" = 1 ] && TRUST_FLAG=""
setsid "$CS" --bind-addr "127.0.0.1:$PORT" --auth none --disable-telemetry --disable-update-check \
  $TRUST_FLAG --disable-getting-started-override \
  --user-data-dir "$RUN/data" --extensions-dir "$RUN/ext" "$WS" > "$RUN/server.log" 2>&1 < /dev/null &
CS_PID=$!
stop_server() {
  # setsid made CS_PID a process-group leader: stop exactly that group (server, extension hosts, language servers)
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

export VSCODE_URL="http://127.0.0.1:$PORT/?folder=$(node -e 'console.log(encodeURIComponent(process.argv[1]))' "$WS")$PAYLOAD"
export VSCODE_RUN_DIR="$RUN"
set +e
"$@"
RC=$?
set -e
log "exit $RC; server log $RUN/server.log; extension host logs under $RUN/data/logs"
exit $RC
