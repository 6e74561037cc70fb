#!/usr/bin/python3
"""Watch guests boot: when each domain is running and when cloud-init is done.

Usage: guest_probe.py URI T0 NAME... [--timeout S]

T0 is the Unix time the create command started. Polls every 0.5 s through
libvirt-python (the same probe for kinvm and virt-install, so both are timed
alike): the domain's state, then, through the QEMU guest agent, `cloud-init
status`. Prints one JSON object: {name: {"running": s, "agent": s,
"cloud_init": s, "status": "done|error|timeout"}} with seconds since T0.
"""
import base64
import json
import sys
import time

import libvirt
import libvirt_qemu


def agent(dom, command, timeout=5):
    return json.loads(libvirt_qemu.qemuAgentCommand(dom, json.dumps(command), timeout, 0))


def cloud_init_status(dom):
    started = agent(dom, {"execute": "guest-exec", "arguments": {
        "path": "/usr/bin/cloud-init", "arg": ["status"], "capture-output": True}})
    pid = started["return"]["pid"]
    for _ in range(100):
        status = agent(dom, {"execute": "guest-exec-status", "arguments": {"pid": pid}})["return"]
        if status.get("exited"):
            out = base64.b64decode(status.get("out-data", "")).decode(errors="replace")
            return out.strip().split(":", 1)[-1].strip()
        time.sleep(0.1)
    return "unknown"


def main():
    args = sys.argv[1:]
    timeout = 900.0
    if "--timeout" in args:
        i = args.index("--timeout")
        timeout = float(args[i + 1])
        del args[i:i + 2]
    uri, t0, names = args[0], float(args[1]), args[2:]
    libvirt.registerErrorHandler(lambda *_: None, None)
    conn = libvirt.open(uri)
    result = {name: {"running": None, "agent": None, "cloud_init": None, "status": "timeout"} for name in names}
    pending = set(names)
    deadline = time.time() + timeout
    while pending and time.time() < deadline:
        for name in sorted(pending):
            entry = result[name]
            try:
                dom = conn.lookupByName(name)
                if entry["running"] is None:
                    if dom.state()[0] == libvirt.VIR_DOMAIN_RUNNING:
                        entry["running"] = round(time.time() - t0, 2)
                    else:
                        continue
                if entry["agent"] is None:
                    agent(dom, {"execute": "guest-ping"}, timeout=2)
                    entry["agent"] = round(time.time() - t0, 2)
                status = cloud_init_status(dom)
                if status in ("done", "error", "degraded done", "degraded"):
                    entry["cloud_init"] = round(time.time() - t0, 2)
                    entry["status"] = status
                    pending.discard(name)
            except libvirt.libvirtError:
                continue
        time.sleep(0.5)
    print(json.dumps(result, sort_keys=True))


if __name__ == "__main__":
    main()
