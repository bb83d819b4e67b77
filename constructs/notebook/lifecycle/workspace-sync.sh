#!/bin/bash
# Saves and restores this notebook's workspace (/home/ec2-user/SageMaker) to
# and from its owner's prefix of the catalog's workspace bucket, through the
# S3 gateway endpoint (the notebook has no internet access).
#
# Usage: workspace-sync restore|save|final
#   restore  once, on the first start: copies the saved workspace in, then
#            marks the volume as restored. Until then nothing is saved, so a
#            partial restore can never overwrite the saved workspace.
#   save     every 15 minutes (workspace-sync.timer): mirrors the workspace
#            to S3 (deletions too; the bucket keeps old versions).
#   final    before the notebook stops (autostop.py, and the shutdown of
#            workspace-sync-final.service): a save that waits for a running
#            one, and tells the janitor nothing can change after it.
# After every save it writes the status the janitor reads,
# <workspace>.sagemaker-catalog/<notebook>.json. While it runs,
# STATE_DIR/sync.lock exists, and autostop.py does not stop the notebook.
# Configuration: /etc/workspace-sync.conf, written by on-start.sh. Runs as
# ec2-user, the analyst's own user (the units on-start.sh installs).
set -uo pipefail
PATH=/usr/sbin:/usr/bin:/sbin:/bin

# No dollar-brace forms: CloudFormation's Fn::Sub renders this script too.
MODE=save
if [ $# -gt 0 ]; then MODE=$1; fi
CONF=$(printenv WORKSPACE_SYNC_CONF || echo /etc/workspace-sync.conf)
# shellcheck source=/dev/null
. "$CONF"
# set -u stops here if the configuration lacks a value.
echo "$WORKSPACE_URI $REGION $NOTEBOOK $AWS_CLI $STATE_DIR $HOME_DIR" > /dev/null
MARKER=$HOME_DIR/.sagemaker-catalog/restored
LOCK=$STATE_DIR/sync.lock

log() { echo "workspace-sync $MODE: $*"; }

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
    "$AWS_CLI" s3 cp - "$WORKSPACE_URI.sagemaker-catalog/$NOTEBOOK.json" --region "$REGION" --only-show-errors \
      --content-type application/json
}

restore() {
  if "$AWS_CLI" s3 sync "$WORKSPACE_URI"home/ "$HOME_DIR/" --region "$REGION" --only-show-errors; then
    mkdir -p "$(dirname "$MARKER")" && date -u +%Y-%m-%dT%H:%M:%SZ > "$MARKER"
    log "restored from $WORKSPACE_URI"
    return 0
  fi
  log "restore from $WORKSPACE_URI failed; nothing is saved until it succeeds"
  return 1
}

save() { # final
  if [ ! -e "$MARKER" ]; then
    restore || return 1
  fi
  local started
  started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  if "$AWS_CLI" s3 sync "$HOME_DIR/" "$WORKSPACE_URI"home/ --region "$REGION" --only-show-errors --delete \
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
