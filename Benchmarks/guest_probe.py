#!/usr/bin/python3
"""Watch guests boot: when each domain is running and when cloud-init is done.

Usage: guest_probe.py URI T0 NAME... [--timeout S]

T0 is the Unix time the create command started. Polls every second through
libvirt-python (the same probe for kinvm and virt-install, so both are timed
alike): the domain's state, then, through the QEMU guest agent, whether
/run/cloud-init/result.json exists (read with guest-file-*, no process started). Prints one JSON object: {name: {"running": s, "agent": s,
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
    """cloud-init's result file, read through the agent: no process is started in the guest
    (a `cloud-init status` per poll would start a Python interpreter each time and slow the very
    boot being timed). None until cloud-init has finished."""
    try:
        handle = agent(dom, {"execute": "guest-file-open",
                             "arguments": {"path": "/run/cloud-init/result.json", "mode": "r"}})["return"]
    except libvirt.libvirtError:
        return None
    try:
        data = agent(dom, {"execute": "guest-file-read", "arguments": {"handle": handle, "count": 65536}})["return"]
        result = json.loads(base64.b64decode(data.get("buf-b64", "")) or b"{}")
    finally:
        agent(dom, {"execute": "guest-file-close", "arguments": {"handle": handle}})
    errors = result.get("v1", {}).get("errors", [])
    return "error" if errors else "done"


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
                if status is not None:
                    entry["cloud_init"] = round(time.time() - t0, 2)
                    entry["status"] = status
                    pending.discard(name)
            except libvirt.libvirtError:
                continue
        time.sleep(1)
    print(json.dumps(result, sort_keys=True))


if __name__ == "__main__":
    main()
