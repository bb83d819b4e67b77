#!/bin/bash
# Lifecycle configuration (on start) of the SageMaker notebook product.
#
# Installs autostop.py and a systemd timer that runs it every 5 minutes: it
# stops this notebook instance once it has been idle long enough. Everything
# is inline: the notebook has no internet access, so nothing is downloaded.
# CloudFormation's Fn::Sub fills in IdleTimeoutMinutes and IgnoreConnections;
# the script therefore uses no other dollar-brace form.
set -euo pipefail

# shellcheck disable=SC2154 # IdleTimeoutMinutes is filled in by Fn::Sub, not by the shell
IDLE_MINUTES="${IdleTimeoutMinutes}"
# shellcheck disable=SC2154 # IgnoreConnections is filled in by Fn::Sub, not by the shell
IGNORE_CONNECTIONS="${IgnoreConnections}"
# Tests install into a scratch directory; on a notebook, ROOT is empty.
ROOT=$(printenv AUTOSTOP_ROOT || true)
STATE_DIR=$ROOT/var/lib/autostop
mkdir -p "$STATE_DIR" "$ROOT/usr/local/bin" "$ROOT/etc/systemd/system"
date +%s > "$STATE_DIR/started-at"

AWS_CLI=$(command -v aws || true)
if [ -z "$AWS_CLI" ] && [ -x /home/ec2-user/anaconda3/bin/aws ]; then
  AWS_CLI=/home/ec2-user/anaconda3/bin/aws
fi
if [ -z "$AWS_CLI" ]; then
  echo "autostop: no aws command found; idle notebooks will not be stopped" >&2
  exit 0
fi

cat > "$ROOT/usr/local/bin/autostop.py" <<'PY'
@AUTOSTOP_PY@
PY

cat > "$ROOT/etc/systemd/system/autostop.service" <<UNIT
[Unit]
Description=Stop this notebook instance when idle
[Service]
Type=oneshot
ExecStart=/usr/bin/python3 /usr/local/bin/autostop.py $IDLE_MINUTES $IGNORE_CONNECTIONS $AWS_CLI $STATE_DIR
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
systemctl enable --now autostop.timer
