#!/bin/bash
# shellcheck disable=SC2154 # Fn::Sub fills in IdleTimeoutMinutes, IgnoreConnections, WorkspaceUri
# Lifecycle configuration (on start) of the notebook product, run as root.
# Root only installs systemd units and starts them; they run as ec2-user,
# the analyst: workspace restore, a save every 15 minutes and at shutdown,
# and an idle check every 5 minutes. Nothing is downloaded. Fn::Sub fills
# in the four dollar-brace forms below, no other may appear. Threat model
# and sources: constructs/notebook/lifecycle_test.go.
set -euo pipefail
# SageMaker's PATH has a relative entry (bin): use root's directories only.
PATH=/usr/sbin:/usr/bin:/sbin:/bin
umask 022
cd /
# Tests install into a scratch directory; on a notebook, ROOT is empty.
ROOT=$(printenv AUTOSTOP_ROOT || true)
PATH=$ROOT/usr/bin:$PATH
IDLE_MINUTES="${IdleTimeoutMinutes}"
IGNORE_CONNECTIONS="${IgnoreConnections}"
WORKSPACE_URI="${WorkspaceUri}"
# shellcheck disable=SC2001 # no dollar-brace forms: Fn::Sub renders this script
STATUS_URI=$(echo "$WORKSPACE_URI" | sed "s#/owners/#/status/#")
REGION="${AWS::Region}"
die() {
  echo "on-start: ERROR: $*. The notebook cannot save its workspace or stop when idle, so it does not start." >&2
  exit 1
}

# The aws the units run: root's, in directories only root may write (not
# the analyst's conda environments). Root never runs it.
trusted() {
  local p
  p=$(readlink -f "$1") && [ -f "$p" ] && [ -x "$p" ] || return 1
  while [ -n "$(find "$p" -maxdepth 0 -user "$(id -u)" ! -perm /022)" ]; do
    if [ "$p" = / ] || [ "$p" = "$ROOT" ]; then return 0; fi
    p=$(dirname "$p")
  done
  return 1
}
AWS_CLI=
for c in "$ROOT/usr/bin/aws" "$ROOT/usr/local/bin/aws"; do
  if trusted "$c"; then AWS_CLI=$c && break; fi
done
[ -n "$AWS_CLI" ] || die "no aws command that only root can change, at /usr/bin/aws or /usr/local/bin/aws"

META=$ROOT/opt/ml/metadata/resource-metadata.json
NOTEBOOK=$(python3 -I -c 'import json,sys; print(json.load(open(sys.argv[1]))["ResourceName"])' "$META") ||
  die "no notebook name in $META"
[[ $NOTEBOOK =~ ^[A-Za-z0-9](-*[A-Za-z0-9])*$ ]] || die "invalid notebook name in $META"

STATE=$ROOT/var/lib/autostop
LIB=$ROOT/usr/local/bin
UNITS=$ROOT/etc/systemd/system
mkdir -p "$STATE" "$LIB" "$UNITS"
date +%s > "$STATE/started-at"
# The units' StateDirectory, which systemd gives ec2-user.
SYNC_STATE=$ROOT/var/lib/workspace-sync
printf '%s=%q\n' WORKSPACE_URI "$WORKSPACE_URI" STATUS_URI "$STATUS_URI" REGION "$REGION" NOTEBOOK "$NOTEBOOK" AWS_CLI "$AWS_CLI" \
  STATE_DIR "$SYNC_STATE" HOME_DIR "$ROOT/home/ec2-user/SageMaker" > "$ROOT/etc/workspace-sync.conf"

cat > "$LIB/workspace-sync" <<'SH'
@WORKSPACE_SYNC_SH@
SH
chmod 755 "$LIB/workspace-sync"
cat > "$LIB/autostop.py" <<'PY'
@AUTOSTOP_PY@
PY

# As ec2-user: what the analyst writes steers them no further than the analyst.
AS="[Service]
Type=oneshot
User=ec2-user
StateDirectory=workspace-sync"
SYNC=$LIB/workspace-sync
cat > "$UNITS/workspace-restore.service" <<UNIT
[Unit]
Description=Restore the workspace from S3
$AS
ExecStart=$SYNC restore
UNIT
cat > "$UNITS/workspace-sync.service" <<UNIT
[Unit]
Description=Save the workspace to S3
$AS
ExecStart=$SYNC save
UNIT
cat > "$UNITS/workspace-sync.timer" <<'UNIT'
[Unit]
Description=Save the workspace every 15 minutes
[Timer]
OnBootSec=15min
OnUnitActiveSec=15min
[Install]
WantedBy=timers.target
UNIT
# Stopped before the network at shutdown: saves however the notebook stops.
cat > "$UNITS/workspace-sync-final.service" <<UNIT
[Unit]
Description=Save the workspace before the notebook stops
Wants=network-online.target
After=network-online.target
$AS
RemainAfterExit=yes
ExecStart=/bin/true
ExecStop=$SYNC final
TimeoutStopSec=10min
[Install]
WantedBy=multi-user.target
UNIT
cat > "$UNITS/autostop.service" <<UNIT
[Unit]
Description=Stop this notebook instance when idle
$AS
ExecStart=/usr/bin/python3 -I $LIB/autostop.py $IDLE_MINUTES $IGNORE_CONNECTIONS $AWS_CLI $STATE/started-at $SYNC_STATE/sync.lock $SYNC
UNIT
cat > "$UNITS/autostop.timer" <<'UNIT'
[Unit]
Description=Check every 5 minutes whether the notebook is idle
[Timer]
OnBootSec=10min
OnUnitActiveSec=5min
[Install]
WantedBy=timers.target
UNIT

systemctl daemon-reload
systemctl enable --now autostop.timer workspace-sync.timer workspace-sync-final.service
# In the background: a lifecycle script may run 5 minutes only.
systemctl start --no-block workspace-restore.service
