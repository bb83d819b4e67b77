"""Stops this notebook instance when it has been idle too long.

Usage: autostop.py IDLE_MINUTES IGNORE_CONNECTIONS AWS_CLI STARTED_AT SYNC_LOCK [SYNC_COMMAND]

Run as ec2-user every 5 minutes (see lifecycle_test.go). Idle for IDLE_MINUTES
means: no busy kernel, no activity (since STARTED_AT without sessions), no
browser connected unless IGNORE_CONNECTIONS is "true", and no sync running.
It runs SYNC_COMMAND final, then stops the notebook even if the save failed.
Every decision is printed as one JSON line.
"""
import datetime
import json
import os
import ssl
import subprocess
import sys
import time
import urllib.request

JUPYTER = os.environ.get("AUTOSTOP_JUPYTER", "https://localhost:8443")
METADATA = os.environ.get("AUTOSTOP_METADATA", "/opt/ml/metadata/resource-metadata.json")


def jupyter(path):
    # Jupyter on a notebook instance serves localhost with a self-signed certificate.
    context = ssl._create_unverified_context() if JUPYTER.startswith("https:") else None
    with urllib.request.urlopen(JUPYTER + path, context=context, timeout=10) as response:
        return json.load(response)


def epoch(stamp):
    return datetime.datetime.strptime(stamp[:19], "%Y-%m-%dT%H:%M:%S").replace(
        tzinfo=datetime.timezone.utc).timestamp()


def decide(now, started, status, kernels, terminals, idle_minutes, ignore_connections, syncing):
    """Returns (stop, reason, idle minutes) from Jupyter's state; no side effects."""
    if syncing:
        return False, "a workspace sync is running", 0
    last = started
    if status.get("last_activity"):
        last = max(last, epoch(status["last_activity"]))
    for kernel in kernels:
        if kernel.get("execution_state") == "busy":
            return False, "a kernel is busy", 0
        if kernel.get("connections", 0) > 0 and not ignore_connections:
            return False, "a browser is connected", 0
        if kernel.get("last_activity"):
            last = max(last, epoch(kernel["last_activity"]))
    for terminal in terminals:
        if terminal.get("last_activity"):
            last = max(last, epoch(terminal["last_activity"]))
    idle = (now - last) / 60
    if idle < idle_minutes:
        return False, "active", idle
    return True, "idle", idle


def main(argv):
    idle_minutes, ignore_connections = int(argv[1]), argv[2] == "true"
    aws_cli, started_at, sync_lock = argv[3], argv[4], argv[5]
    with open(started_at) as f:
        started = float(f.read().strip())
    stop, reason, idle = decide(
        time.time(), started, jupyter("/api/status"), jupyter("/api/kernels"), jupyter("/api/terminals"),
        idle_minutes, ignore_connections, os.path.exists(sync_lock))
    print(json.dumps({"stop": stop, "reason": reason, "idle_minutes": round(idle), "limit": idle_minutes}))
    if not stop:
        return
    if len(argv) > 6:
        saved = subprocess.run([argv[6], "final"]).returncode == 0
        print(json.dumps({"final_sync": "ok" if saved else "failed"}))
    with open(METADATA) as f:
        meta = json.load(f)
    region = meta["ResourceArn"].split(":")[3]
    subprocess.run([aws_cli, "sagemaker", "stop-notebook-instance", "--region", region,
                    "--notebook-instance-name", meta["ResourceName"]], check=True)


if __name__ == "__main__":
    main(sys.argv)
