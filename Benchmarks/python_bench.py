#!/usr/bin/python3
"""libvirt-python counterpart of Benchmarks/libvirt-c-bench (impl "python").

    /usr/bin/python3 python_bench.py cycles [--seconds S | --count C] [--warmup N]
    /usr/bin/python3 python_bench.py list HOSTFILE [--repeat R]

Run it with Debian's /usr/bin/python3, which has python3-libvirt; a pyenv or
virtualenv python usually does not. Prints the same single JSON line as the C
program. libvirt-python raises libvirt.libvirtError on any failure, so every
call is checked; the error ends the program with the libvirt message.
"""
import argparse
import json
import os
import statistics
import sys
import time

try:
    import libvirt
except ImportError:
    sys.exit("python_bench.py: the libvirt module is missing; "
             "run with /usr/bin/python3 (apt: python3-libvirt)")

DOMAIN_XML = ("<domain type='test'><name>bench</name>"
              "<memory unit='KiB'>131072</memory>"
              "<vcpu current='1'>2</vcpu>"
              "<os><type arch='x86_64'>hvm</type></os></domain>")


def one_cycle(conn):
    dom = conn.defineXML(DOMAIN_XML)
    dom.create()
    dom.setVcpusFlags(2, libvirt.VIR_DOMAIN_AFFECT_LIVE)
    dom.destroy()
    dom.undefine()
    # The virDomainFree happens when `dom` is dropped (refcount reaches zero).


def run_cycles(seconds, warmup, count=0):
    conn = libvirt.open("test:///default")
    for _ in range(warmup):
        one_cycle(conn)
    cycles = 0
    clock = time.perf_counter
    start = clock()
    deadline = start + seconds
    # --count: exactly that many cycles (for instruction counting under callgrind).
    for _ in range(count):
        one_cycle(conn)
        cycles += 1
    end = clock()
    while count == 0:
        # Same batching as the C program: read the clock every 16 cycles.
        for _ in range(16):
            one_cycle(conn)
        cycles += 16
        end = clock()
        if end >= deadline:
            break
    conn.close()
    elapsed = end - start
    return {"impl": "python", "benchmark": "cycles", "cycles": cycles,
            "seconds": round(elapsed, 6),
            "cycles_per_second": round(cycles / elapsed, 1)}


def list_once(conn):
    doms = conn.listAllDomains(0)
    for dom in doms:
        dom.info()
        dom.name()
        dom.UUIDString()
        dom.XMLDesc(0)
    n = len(doms)
    del doms  # frees every virDomainPtr, inside the timed region as in C
    return n


def run_list(hostfile, repeat):
    # The test driver keeps its state per connection: open the file once.
    conn = libvirt.open("test://" + os.path.abspath(hostfile))
    domains = list_once(conn)  # warm-up, not timed
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        n = list_once(conn)
        samples.append((time.perf_counter() - t0) * 1000.0)
        if n != domains:
            sys.exit(f"python_bench.py: domain count changed ({domains} -> {n})")
    conn.close()
    return {"impl": "python", "benchmark": "list", "domains": domains,
            "median_ms": round(statistics.median(samples), 3)}


def main():
    parser = argparse.ArgumentParser(description="libvirt-python benchmarks")
    sub = parser.add_subparsers(dest="benchmark", required=True)
    cyc = sub.add_parser("cycles", help="define/start/setVCPUs/destroy/undefine on test:///default")
    cyc.add_argument("--seconds", type=float, default=3.0)
    cyc.add_argument("--warmup", type=int, default=500)
    cyc.add_argument("--count", type=int, default=0)
    lst = sub.add_parser("list", help="list all domains of a host file with full info")
    lst.add_argument("hostfile")
    lst.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()

    # Keep libvirt from printing errors itself; failures still raise.
    libvirt.registerErrorHandler(lambda _ctx, _err: None, None)
    try:
        if args.benchmark == "cycles":
            if args.seconds <= 0 or args.warmup < 0:
                parser.error("--seconds must be > 0 and --warmup >= 0")
            result = run_cycles(args.seconds, args.warmup, args.count)
        else:
            if args.repeat < 1:
                parser.error("--repeat must be >= 1")
            result = run_list(args.hostfile, args.repeat)
    except libvirt.libvirtError as e:
        sys.exit(f"python_bench.py: {e}")
    print(json.dumps(result, separators=(",", ":")), flush=True)


if __name__ == "__main__":
    main()
