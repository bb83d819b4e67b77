#!/bin/bash
# Lifecycle configuration (on start) of the SageMaker notebook product.
#
# Installs:
# - workspace-sync, which restores the owner's workspace on the first start
#   (in the background: lifecycle scripts must finish within 5 minutes),
#   saves it every 15 minutes (workspace-sync.timer) and before every stop
#   (workspace-sync-final.service, at shutdown);
# - autostop.py and a systemd timer that runs it every 5 minutes: it saves
#   the workspace and stops this notebook instance once it has been idle
#   long enough.
# Everything is inline: the notebook has no internet access, so nothing is
# downloaded. CloudFormation's Fn::Sub fills in IdleTimeoutMinutes,
# IgnoreConnections, WorkspaceUri and AWS::Region; the script therefore uses
# no other dollar-brace form.
set -euo pipefail

# shellcheck disable=SC2154 # IdleTimeoutMinutes is filled in by Fn::Sub, not by the shell
IDLE_MINUTES="${IdleTimeoutMinutes}"
# shellcheck disable=SC2154 # IgnoreConnections is filled in by Fn::Sub, not by the shell
IGNORE_CONNECTIONS="${IgnoreConnections}"
# shellcheck disable=SC2154 # WorkspaceUri is filled in by Fn::Sub, not by the shell
WORKSPACE_URI="${WorkspaceUri}"
REGION="${AWS::Region}"
# Tests install into a scratch directory; on a notebook, ROOT is empty.
ROOT=$(printenv AUTOSTOP_ROOT || true)
STATE_DIR=$ROOT/var/lib/autostop
HOME_DIR=$ROOT/home/ec2-user/SageMaker
FILE_OWNER=$(printenv WORKSPACE_FILE_OWNER || echo ec2-user:ec2-user)
mkdir -p "$STATE_DIR" "$ROOT/usr/local/bin" "$ROOT/etc/systemd/system" "$HOME_DIR"
date +%s > "$STATE_DIR/started-at"

AWS_CLI=$(command -v aws || true)
if [ -z "$AWS_CLI" ] && [ -x /home/ec2-user/anaconda3/bin/aws ]; then
  AWS_CLI=/home/ec2-user/anaconda3/bin/aws
fi
if [ -z "$AWS_CLI" ]; then
  echo "autostop: no aws command found; idle notebooks will not be stopped" >&2
  exit 0
fi

NOTEBOOK=$(python3 -c 'import json; print(json.load(open("'"$ROOT"'/opt/ml/metadata/resource-metadata.json"))["ResourceName"])')

cat > "$ROOT/etc/workspace-sync.conf" <<CONF
WORKSPACE_URI=$WORKSPACE_URI
REGION=$REGION
NOTEBOOK=$NOTEBOOK
AWS_CLI=$AWS_CLI
STATE_DIR=$STATE_DIR
HOME_DIR=$HOME_DIR
FILE_OWNER=$FILE_OWNER
CONF

cat > "$ROOT/usr/local/bin/workspace-sync" <<'SH'
@WORKSPACE_SYNC_SH@
SH
chmod 755 "$ROOT/usr/local/bin/workspace-sync"

cat > "$ROOT/usr/local/bin/autostop.py" <<'PY'
@AUTOSTOP_PY@
PY

cat > "$ROOT/etc/systemd/system/autostop.service" <<UNIT
[Unit]
Description=Stop this notebook instance when idle
[Service]
Type=oneshot
ExecStart=/usr/bin/python3 /usr/local/bin/autostop.py $IDLE_MINUTES $IGNORE_CONNECTIONS $AWS_CLI $STATE_DIR $ROOT/usr/local/bin/workspace-sync
UNIT

cat > "$ROOT/etc/systemd/system/workspace-sync.service" <<UNIT
[Unit]
Description=Save the workspace to S3
[Service]
Type=oneshot
ExecStart=$ROOT/usr/local/bin/workspace-sync save
UNIT

cat > "$ROOT/etc/systemd/system/workspace-sync.timer" <<'UNIT'
[Unit]
Description=Save the workspace every 15 minutes
[Timer]
OnBootSec=15min
OnUnitActiveSec=15min
[Install]
WantedBy=timers.target
UNIT

# Stopped first at shutdown (it starts after the network): saves the
# workspace however the notebook is stopped.
cat > "$ROOT/etc/systemd/system/workspace-sync-final.service" <<UNIT
[Unit]
Description=Save the workspace before the notebook stops
Wants=network-online.target
After=network-online.target
[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/bin/true
ExecStop=$ROOT/usr/local/bin/workspace-sync final
TimeoutStopSec=10min
[Install]
WantedBy=multi-user.target
UNIT

cat > "$ROOT/etc/systemd/system/autostop.timer" <<'UNIT'
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

# Restore in the background: a large workspace takes longer than the 5
# minutes a lifecycle script may run.
if [ ! -e "$HOME_DIR/.sagemaker-catalog/restored" ]; then
  WORKSPACE_SYNC_CONF=$ROOT/etc/workspace-sync.conf nohup "$ROOT/usr/local/bin/workspace-sync" restore >> "$STATE_DIR/workspace-sync.log" 2>&1 &
fi
