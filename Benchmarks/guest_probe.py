#!/usr/bin/python3
"""Watch guests boot: when each domain is running, its guest agent answers, it has a DHCP lease,
and cloud-init is done.

Usage: guest_probe.py URI T0 NAME... [--until running|agent|ip|cloud-init] [--timeout S]

T0 is the Unix time the create command started. One probe for every tool being compared (kinvm,
virt-install, kcli), so all are timed alike: it polls every 0.5 s through libvirt-python the
domain's state, then `guest-ping` through the QEMU guest agent, then the domain's IPv4 DHCP lease
(skipped for guests without one, e.g. user-mode NICs: --until ip waits for it), and every 2 s
whether /run/cloud-init/result.json exists (read with guest-file-*, no process started in the
guest). Stages after --until (default cloud-init) are not waited for. Prints one JSON object:
{name: {"running": s, "agent": s, "ip": s, "address": "a.b.c.d", "cloud_init": s,
"status": "done|error|timeout"}} with seconds since T0 (null when not reached); "status" is
cloud-init's result, or "reached" when --until stops before cloud-init.
"""
import base64
import json
import sys
import time

import libvirt
import libvirt_qemu

STAGES = ["running", "agent", "ip", "cloud_init"]


def agent(dom, command, timeout=2):
    return json.loads(libvirt_qemu.qemuAgentCommand(dom, json.dumps(command), timeout, 0))["return"]


def cloud_init_status(dom):
    """cloud-init's result file, read through the agent: no process is started in the guest
    (a `cloud-init status` per poll would start a Python interpreter each time and slow the very
    boot being timed). None until cloud-init has finished."""
    try:
        handle = agent(dom, {"execute": "guest-file-open",
                             "arguments": {"path": "/run/cloud-init/result.json", "mode": "r"}})
    except libvirt.libvirtError:
        return None
    try:
        data = agent(dom, {"execute": "guest-file-read", "arguments": {"handle": handle, "count": 65536}})
        result = json.loads(base64.b64decode(data.get("buf-b64", "")) or b"{}")
    finally:
        agent(dom, {"execute": "guest-file-close", "arguments": {"handle": handle}})
    return "error" if result.get("v1", {}).get("errors") else "done"


def lease(dom):
    """The first IPv4 address of the domain's DHCP leases (libvirt networks only), or None."""
    leases = dom.interfaceAddresses(libvirt.VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_LEASE, 0)
    addresses = [a["addr"] for i in leases.values() for a in (i.get("addrs") or [])
                 if a["type"] == libvirt.VIR_IP_ADDR_TYPE_IPV4]
    return addresses[0] if addresses else None


def option(args, name, default):
    if name in args:
        i = args.index(name)
        value = args[i + 1]
        del args[i:i + 2]
        return value
    return default


def main():
    args = sys.argv[1:]
    timeout = float(option(args, "--timeout", "900"))
    until = option(args, "--until", "cloud-init").replace("-", "_")
    if until not in STAGES:
        sys.exit("guest_probe.py: --until must be one of running, agent, ip, cloud-init")
    wanted = STAGES[:STAGES.index(until) + 1]
    uri, t0, names = args[0], float(args[1]), args[2:]
    libvirt.registerErrorHandler(lambda *_: None, None)
    conn = libvirt.open(uri)
    result = {name: {"running": None, "agent": None, "ip": None, "address": None, "cloud_init": None,
                     "status": "timeout"} for name in names}
    pending = set(names)
    last_cloud_init = 0.0
    while pending and time.time() < t0 + timeout:
        check_cloud_init = time.time() - last_cloud_init >= 2
        for name in sorted(pending):
            entry = result[name]
            try:
                dom = conn.lookupByName(name)
                if entry["running"] is None:
                    if dom.state()[0] != libvirt.VIR_DOMAIN_RUNNING:
                        continue
                    entry["running"] = round(time.time() - t0, 2)
                if "agent" in wanted and entry["agent"] is None:
                    try:
                        agent(dom, {"execute": "guest-ping"})
                        entry["agent"] = round(time.time() - t0, 2)
                    except libvirt.libvirtError:
                        pass
                if "ip" in wanted and entry["ip"] is None:
                    address = lease(dom)
                    if address:
                        entry["ip"], entry["address"] = round(time.time() - t0, 2), address
                if "cloud_init" in wanted and entry["cloud_init"] is None and entry["agent"] is not None and check_cloud_init:
                    status = cloud_init_status(dom)
                    if status is not None:
                        entry["cloud_init"], entry["status"] = round(time.time() - t0, 2), status
                # A guest without a lease (user-mode NIC) is done at cloud-init unless --until ip.
                needed = [s for s in wanted if not (s == "ip" and until == "cloud_init")]
                if all(entry[s] is not None for s in needed):
                    if until != "cloud_init":
                        entry["status"] = "reached"
                    pending.discard(name)
            except libvirt.libvirtError:
                continue
        if check_cloud_init:
            last_cloud_init = time.time()
        time.sleep(0.5)
    print(json.dumps(result, sort_keys=True))


if __name__ == "__main__":
    main()
