#!/bin/bash
# Lifecycle configuration (on start) of the SageMaker notebook product.
#
# Installs a systemd timer that stops this notebook instance once it has been
# idle for IDLE_MINUTES. Everything is inline: the notebook has no internet
# access, so nothing is downloaded. CloudFormation's Fn::Sub fills in
# IdleTimeoutMinutes; the script therefore uses no other dollar-brace form.
set -euo pipefail

# shellcheck disable=SC2154 # IdleTimeoutMinutes is filled in by Fn::Sub, not by the shell
IDLE_MINUTES="${IdleTimeoutMinutes}"
STATE_DIR=/var/lib/autostop
mkdir -p "$STATE_DIR"
date +%s > "$STATE_DIR/started-at"

AWS_CLI=$(command -v aws || true)
if [ -z "$AWS_CLI" ] && [ -x /home/ec2-user/anaconda3/bin/aws ]; then
  AWS_CLI=/home/ec2-user/anaconda3/bin/aws
fi
if [ -z "$AWS_CLI" ]; then
  echo "autostop: no aws command found; idle notebooks will not be stopped" >&2
  exit 0
fi

cat > /usr/local/bin/autostop.py <<'PY'
"""Stops this SageMaker notebook instance when Jupyter has been idle too long.

Usage: autostop.py IDLE_MINUTES AWS_CLI STATE_DIR
Idle means: no kernel is busy, and neither the Jupyter server nor any kernel
has seen activity for IDLE_MINUTES (counting from the instance's start when
there are no sessions at all).
"""
import datetime
import json
import ssl
import subprocess
import sys
import time
import urllib.request

JUPYTER = "https://localhost:8443"
METADATA = "/opt/ml/metadata/resource-metadata.json"


def jupyter(path):
    # Jupyter on a notebook instance serves localhost with a self-signed certificate.
    ctx = ssl._create_unverified_context()
    with urllib.request.urlopen(JUPYTER + path, context=ctx, timeout=10) as r:
        return json.load(r)


def epoch(stamp):
    return datetime.datetime.strptime(stamp[:19], "%Y-%m-%dT%H:%M:%S").replace(
        tzinfo=datetime.timezone.utc).timestamp()


def last_activity(state_dir):
    with open(state_dir + "/started-at") as f:
        last = float(f.read().strip())
    status = jupyter("/api/status")
    if status.get("last_activity"):
        last = max(last, epoch(status["last_activity"]))
    for kernel in jupyter("/api/kernels"):
        if kernel.get("execution_state") == "busy":
            return None  # busy now: not idle
        if kernel.get("last_activity"):
            last = max(last, epoch(kernel["last_activity"]))
    return last


def main():
    idle_minutes, aws_cli, state_dir = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    last = last_activity(state_dir)
    if last is None:
        print("autostop: a kernel is busy")
        return
    idle = (time.time() - last) / 60
    print("autostop: idle for %.0f of %d minutes" % (idle, idle_minutes))
    if idle < idle_minutes:
        return
    with open(METADATA) as f:
        meta = json.load(f)
    region = meta["ResourceArn"].split(":")[3]
    subprocess.run([aws_cli, "sagemaker", "stop-notebook-instance",
                    "--region", region,
                    "--notebook-instance-name", meta["ResourceName"]], check=True)


if __name__ == "__main__":
    main()
PY

cat > /etc/systemd/system/autostop.service <<UNIT
[Unit]
Description=Stop this notebook instance when idle
[Service]
Type=oneshot
ExecStart=/usr/bin/python3 /usr/local/bin/autostop.py $IDLE_MINUTES $AWS_CLI $STATE_DIR
UNIT

cat > /etc/systemd/system/autostop.timer <<'UNIT'
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
