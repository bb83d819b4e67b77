#!/bin/bash
# workspace-sync restore|save|final, as ec2-user: copies the workspace
# (/home/ec2-user/SageMaker) to and from the owner's prefix.
#   restore  once per volume: adds the saved workspace, replacing no local
#            file; nothing is saved before it succeeds.
#   save     mirrors the workspace (deletions too; S3 keeps old versions).
#   final    a save before a stop that waits for a running one.
# Each save writes the status the janitor reads, <status>/<notebook>.json
# (apart from the workspace). STATE_DIR/sync.lock exists
# while a sync runs. Follows no symbolic link (see lifecycle_test.go).
set -uo pipefail
PATH=/usr/sbin:/usr/bin:/sbin:/bin

# No dollar-brace forms: CloudFormation's Fn::Sub renders this script too.
MODE=save
if [ $# -gt 0 ]; then MODE=$1; fi
CONF=$(printenv WORKSPACE_SYNC_CONF || echo /etc/workspace-sync.conf)
# shellcheck source=/dev/null
. "$CONF"
echo "$WORKSPACE_URI $STATUS_URI $REGION $NOTEBOOK $AWS_CLI $STATE_DIR $HOME_DIR" > /dev/null
MARKER=$HOME_DIR/.sagemaker-catalog/restored
LOCK=$STATE_DIR/sync.lock

log() { echo "workspace-sync $MODE: $*"; }

# Exit code 2: it skipped what it cannot copy (FIFOs, unreadable files, keys
# naming a parent directory) and copied the rest.
s3() {
  "$AWS_CLI" s3 "$@" --region "$REGION" --only-show-errors
  local r=$?
  [ $r = 2 ] && log "skipped what S3 cannot hold (see above)"
  [ $r = 0 ] || [ $r = 2 ]
}

lock() {
  # A lock older than two hours belongs to a sync that was killed.
  find "$LOCK" -maxdepth 0 -mmin +120 -exec rmdir {} \; 2>/dev/null
  local tries=1
  [ "$MODE" = final ] && tries=120
  for _ in $(seq "$tries"); do
    if mkdir "$LOCK" 2>/dev/null; then
      trap 'rmdir "$LOCK"' EXIT
      return 0
    fi
    [ "$tries" -gt 1 ] && sleep 5
  done
  log "another sync is running"
  exit 0
}

status() { # ok final
  local synced
  synced=$(cat "$STATE_DIR/last-sync" 2>/dev/null || echo 0001-01-01T00:00:00Z)
  printf '{"notebook":"%s","syncedAt":"%s","ok":%s,"final":%s}\n' "$NOTEBOOK" "$synced" "$1" "$2" |
    s3 cp - "$STATUS_URI$NOTEBOOK.json" --content-type application/json
}

restore() {
  local new
  if ! new=$(mkdir -p "$HOME_DIR/.sagemaker-catalog" && mktemp -d "$HOME_DIR/.sagemaker-catalog/restore.XXXXXX"); then
    log "cannot create a directory to restore into"
    return 1
  fi
  if s3 sync "$WORKSPACE_URI"home/ "$new/" && python3 -I - "$new" "$HOME_DIR" <<'PY'; then
import os, sys
D = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW
def put(src, dst, path):
    for e in os.scandir(src):
        n = e.name
        try:
            if e.is_dir(follow_symlinks=False):
                try:
                    os.mkdir(n, dir_fd=dst)
                except FileExistsError:
                    pass
                put(os.open(n, D, dir_fd=src), os.open(n, D, dir_fd=dst), path + n + "/")
            else:
                os.link(n, n, src_dir_fd=src, dst_dir_fd=dst, follow_symlinks=False)
        except FileExistsError:
            pass
        except OSError as x:
            print("workspace-sync restore: not restored:", ascii(path + n), x.strerror)
    os.close(src)
    os.close(dst)
put(os.open(sys.argv[1], D), os.open(sys.argv[2], D), "")
PY
    rm -rf "$new"
    date -u +%Y-%m-%dT%H:%M:%SZ > "$MARKER"
    log "restored from $WORKSPACE_URI"
    return 0
  fi
  rm -rf "$new"
  log "restore from $WORKSPACE_URI failed; nothing is saved until it succeeds"
  return 1
}

save() { # final
  if [ ! -e "$MARKER" ]; then
    restore || return 1
  fi
  local started
  started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  if s3 sync "$HOME_DIR/" "$WORKSPACE_URI"home/ --delete --no-follow-symlinks \
      --exclude '.sagemaker-catalog/*' --exclude 'lost+found/*' --exclude '*/.ipynb_checkpoints/*'; then
    echo "$started" > "$STATE_DIR/last-sync"
    status true "$1"
    log "saved to $WORKSPACE_URI"
    return 0
  fi
  status false "$1"
  log "save to $WORKSPACE_URI failed"
  return 1
}

mkdir -p "$STATE_DIR"
lock
case "$MODE" in
  restore) [ -e "$MARKER" ] || restore ;;
  save) save false ;;
  final) save true ;;
  *) log "unknown mode; use restore, save or final"; exit 2 ;;
esac
