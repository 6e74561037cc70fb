#!/usr/bin/python3
"""Stand-in kubeadm, kubelet and k3s for kinvm's test guests (no Kubernetes binaries exist there).

Acts as the tool named by argv[0]'s basename (kubeadm, kubelet, k3s) or by the first argument
(`standin-node.py kubelet --hostname-override=w1`). It talks to a real API server or to kinvm's
stand-in one (Sources/KubeStandIn) exactly as the real tools do at this level: kubeadm's
token discovery with CA pinning, the kubelet's TLS bootstrap, Node registration and status
heartbeats, and the k3s agent's token CA-hash check. No container ever runs.

Python 3 standard library + PyYAML; openssl(1) for keys, CSRs and public key hashes.
See README.md next to this file for the environment variables used by host tests.
"""

import base64
import datetime
import fcntl
import hashlib
import hmac
import http.client
import json
import os
import re
import shlex
import signal
import socket
import ssl
import struct
import subprocess
import sys
import tempfile
import time

import yaml

VERSION = "v1.32.0-standin"
K3S_VERSION = "v1.32.0+k3s1-standin"
ROOT = os.environ.get("KINVM_STANDIN_ROOT", "").rstrip("/")
NO_SYSTEMD = os.environ.get("KINVM_STANDIN_NO_SYSTEMD") == "1"
PROG = "standin"


def path(p):
    """A node-state path (/etc/kubernetes, /var/lib/kubelet, /etc/rancher, ...) under ROOT."""
    return ROOT + p


BOOTSTRAP_KUBECONFIG = "/etc/kubernetes/bootstrap-kubelet.conf"
KUBELET_KUBECONFIG = "/etc/kubernetes/kubelet.conf"
CA_FILE = "/etc/kubernetes/pki/ca.crt"
FLAGS_ENV = "/var/lib/kubelet/kubeadm-flags.env"
KUBELET_DIR = "/var/lib/kubelet"
CLIENT_PEM = "/var/lib/kubelet/pki/kubelet-client-current.pem"
KUBELET_PID = "/run/kubelet.pid"
K3S_CONFIG = "/etc/rancher/k3s/config.yaml"
K3S_IMAGES = "/var/lib/rancher/k3s/agent/images"
AIRGAP_ANNOTATION = "standin.kinvm.io/airgap-images"
ADMIN_CONF = "/etc/kubernetes/admin.conf"
K3S_KUBECONFIG = "/etc/rancher/k3s/k3s.yaml"
K3S_SERVER_DIR = "/var/lib/rancher/k3s/server"
# The stand-in API server of `k3s server` / `kubeadm init`: its program, state and service.
STANDIN_SERVER = os.environ.get("KINVM_STANDIN_SERVER_BIN") or "/usr/local/bin/kube-standin"
STANDIN_STATE = "/var/lib/kinvm-standin"
STANDIN_UNIT = "/etc/systemd/system/kube-standin.service"
STANDIN_PID = "/run/kube-standin.pid"
API_PORT = int(os.environ.get("KINVM_STANDIN_API_PORT") or 6443)
API_BIND = os.environ.get("KINVM_STANDIN_API_BIND") or "0.0.0.0"


# --- output -------------------------------------------------------------------------

class Fatal(Exception):
    """Ends the program: message on stderr, exit 1."""


def klog(msg, level="I"):
    """A klog-style line on stdout (the journal adds nothing when it has the timestamp)."""
    now = datetime.datetime.now()
    print(f"{level}{now:%m%d %H:%M:%S.%f} {os.getpid():7d} {PROG}] {msg}", flush=True)


def say(msg=""):
    print(msg, flush=True)


def rfc3339(t=None):
    t = datetime.datetime.now(datetime.timezone.utc) if t is None else t
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def write_file(p, data, mode=0o644):
    """Write atomically (temp file + rename) with the given mode, creating parent dirs."""
    os.makedirs(os.path.dirname(p), exist_ok=True)
    tmp = f"{p}.tmp{os.getpid()}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as f:
        f.write(data.encode() if isinstance(data, str) else data)
    os.chmod(tmp, mode)
    os.replace(tmp, p)


def openssl(*args, stdin=None):
    r = subprocess.run(["openssl", *args], input=stdin, capture_output=True)
    if r.returncode != 0:
        raise Fatal(f"openssl {args[0]} failed: {r.stderr.decode(errors='replace').strip()}")
    return r.stdout


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def parse_duration(s, default):
    """Go time.Duration text ("5m0s", "90s", "1h") in seconds."""
    if s is None or s == "":
        return default
    parts = re.findall(r"(\d+(?:\.\d+)?)(ms|h|m|s)", str(s))
    if not parts or "".join(n + u for n, u in parts) != str(s):
        raise Fatal(f'time: invalid duration "{s}"')
    scale = {"h": 3600, "m": 60, "s": 1, "ms": 0.001}
    return sum(float(n) * scale[u] for n, u in parts)


# --- HTTP -----------------------------------------------------------------------------

class ApiError(Exception):
    def __init__(self, status, message, body=None):
        super().__init__(message)
        self.status = status
        self.body = body


def split_server(server):
    """("host", port) from "https://host:port" or "host:port"; IPv6 in brackets."""
    hostport = server.split("://", 1)[-1].split("/", 1)[0]
    m = re.fullmatch(r"\[([^\]]+)\](?::(\d+))?|([^:]+)(?::(\d+))?", hostport)
    if not m:
        raise Fatal(f"invalid API server endpoint {server!r}")
    host = m.group(1) or m.group(3)
    port = int(m.group(2) or m.group(4) or 443)
    return host, port


class Client:
    """One API server, one TLS policy, one identity. A new connection per request."""

    def __init__(self, server, ca_pem=None, token=None, cert_file=None, basic=None, timeout=15):
        self.server = server if "://" in server else f"https://{server}"
        self.host, self.port = split_server(self.server)
        if ca_pem is None:  # discovery only: trust nothing yet, so check nothing
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
        else:
            ctx = ssl.create_default_context(cadata=ca_pem)
        if cert_file:
            ctx.load_cert_chain(cert_file)
        self.ctx, self.token, self.basic, self.timeout = ctx, token, basic, timeout

    def request(self, method, path_, body=None, content_type="application/json"):
        """The decoded JSON (or text) body; ApiError for HTTP errors, OSError for transport."""
        headers = {"Accept": "application/json", "User-Agent": f"{PROG}/{VERSION} (linux/amd64) kinvm-standin"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        elif self.basic:
            headers["Authorization"] = "Basic " + base64.b64encode(self.basic.encode()).decode()
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = content_type
        conn = http.client.HTTPSConnection(self.host, self.port, context=self.ctx, timeout=self.timeout)
        try:
            conn.request(method, path_, body=data, headers=headers)
            resp = conn.getresponse()
            raw = resp.read()
        finally:
            conn.close()
        text = raw.decode(errors="replace")
        try:
            obj = json.loads(text) if text else None
        except ValueError:
            obj = text
        if resp.status >= 400:
            msg = obj.get("message") if isinstance(obj, dict) else None
            raise ApiError(resp.status, msg or f"HTTP {resp.status} {resp.reason}: {text[:200]}", obj)
        return obj

    def raw_get(self, path_):
        conn = http.client.HTTPSConnection(self.host, self.port, context=self.ctx, timeout=self.timeout)
        try:
            conn.request("GET", path_)
            resp = conn.getresponse()
            raw = resp.read()
        finally:
            conn.close()
        if resp.status >= 400:
            raise ApiError(resp.status, f"HTTP {resp.status} {resp.reason}")
        return raw


def client_from_kubeconfig(p):
    """A Client for the current context of a kubeconfig file (data or file fields)."""
    with open(p) as f:
        kc = yaml.safe_load(f) or {}
    named = lambda key: {e["name"]: e.get(key[:-1]) or {} for e in kc.get(key) or []}
    ctx = named("contexts").get(kc.get("current-context"), {})
    cluster = named("clusters").get(ctx.get("cluster"), {})
    user = named("users").get(ctx.get("user"), {})
    if not cluster.get("server"):
        raise Fatal(f"{p}: no server for context {kc.get('current-context')!r}")
    ca = None
    if cluster.get("certificate-authority-data"):
        ca = base64.b64decode(cluster["certificate-authority-data"]).decode()
    elif cluster.get("certificate-authority"):
        ca = open(cluster["certificate-authority"]).read()
    cert = user.get("client-certificate")
    if not user.get("client-certificate-data"):
        return Client(cluster["server"], ca_pem=ca, token=user.get("token"), cert_file=cert)
    # ssl loads client certificates from files only: a private temporary one, gone once loaded.
    pem = base64.b64decode(user["client-certificate-data"]) + b"\n" + base64.b64decode(user.get("client-key-data") or "")
    fd, tmp = tempfile.mkstemp(prefix="standin-client-")
    try:
        os.write(fd, pem)
        os.close(fd)
        return Client(cluster["server"], ca_pem=ca, token=user.get("token"), cert_file=tmp)
    finally:
        os.unlink(tmp)


def kubeconfig_yaml(server, ca_pem, cluster, user_name, user):
    ctx = f"{user_name}@{cluster}" if user_name != "default-auth" else "default-context"
    doc = {
        "apiVersion": "v1", "kind": "Config", "preferences": {},
        "clusters": [{"name": cluster, "cluster": {
            "server": server, "certificate-authority-data": base64.b64encode(ca_pem.encode()).decode()}}],
        "contexts": [{"name": ctx, "context": {"cluster": cluster, "user": user_name}}],
        "current-context": ctx,
        "users": [{"name": user_name, "user": user}],
    }
    return yaml.safe_dump(doc, default_flow_style=False)


# --- the node agent shared by kubelet and k3s ------------------------------------------

ALLOWED_K8S_LABELS = sorted([
    "beta.kubernetes.io/arch", "beta.kubernetes.io/instance-type", "beta.kubernetes.io/os",
    "failure-domain.beta.kubernetes.io/region", "failure-domain.beta.kubernetes.io/zone",
    "kubernetes.io/arch", "kubernetes.io/hostname", "kubernetes.io/os",
    "node.kubernetes.io/instance-type", "topology.kubernetes.io/region", "topology.kubernetes.io/zone"])


def parse_labels(text):
    labels = {}
    for item in filter(None, (text or "").split(",")):
        key, _, value = item.partition("=")
        labels[key.strip()] = value.strip()
    bad = []
    for key in labels:
        ns = key.split("/", 1)[0] if "/" in key else ""
        restricted = ns == "kubernetes.io" or ns.endswith(".kubernetes.io") or ns == "k8s.io" or ns.endswith(".k8s.io")
        allowed = key in ALLOWED_K8S_LABELS or ns in ("kubelet.kubernetes.io", "node.kubernetes.io") \
            or ns.endswith(".kubelet.kubernetes.io") or ns.endswith(".node.kubernetes.io")
        if restricted and not allowed:
            bad.append(key)
    if bad:  # the kubelet's own check (NodeRestriction would refuse them anyway)
        raise Fatal(f"unknown 'kubernetes.io' or 'k8s.io' labels specified with --node-labels: [{' '.join(sorted(bad))}]\n"
                    "--node-labels in the 'kubernetes.io' namespace must begin with an allowed prefix "
                    "(kubelet.kubernetes.io, node.kubernetes.io) or be in the specifically allowed set "
                    f"({', '.join(ALLOWED_K8S_LABELS)})")
    return labels


def parse_taints(text):
    taints = []
    for item in filter(None, (text or "").split(",")):
        kv, _, effect = item.rpartition(":")
        if not kv or effect not in ("NoSchedule", "PreferNoSchedule", "NoExecute"):
            raise Fatal(f'invalid taint spec: "{item}": the effect must be NoSchedule, PreferNoSchedule or NoExecute')
        key, _, value = kv.partition("=")
        taint = {"key": key, "effect": effect}
        if value:
            taint["value"] = value
        taints.append(taint)
    return taints


def default_route_ipv4():
    """The IPv4 address of the interface holding the default route (no packet is sent)."""
    try:
        with open("/proc/net/route") as f:
            rows = [line.split() for line in f.readlines()[1:]]
        ifname = next(r[0] for r in rows if len(r) > 2 and r[1] == "00000000")
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            res = fcntl.ioctl(s.fileno(), 0x8915, struct.pack("256s", ifname[:15].encode()))  # SIOCGIFADDR
        return socket.inet_ntoa(res[20:24])
    except (OSError, StopIteration):
        return "127.0.0.1"


def read_text(p, default=""):
    try:
        with open(p) as f:
            return f.read().strip()
    except OSError:
        return default


def retrying(what, fn, attempts=None):
    """fn() until it succeeds, with backoff 0.5 s .. 30 s; None after `attempts` failures."""
    delay, n = 0.5, 0
    while True:
        try:
            return fn()
        except (ApiError, OSError, ssl.SSLError) as e:
            n += 1
            klog(f'"{what} failed, will retry" err="{e}" attempt={n}', "E")
            if attempts is not None and n >= attempts:
                return None
            time.sleep(delay)
            delay = min(delay * 2, 30)


class Machine:
    """What the kubelet reads once at its start: capacity and identity."""

    def __init__(self, node_ip=None):
        cpus = os.environ.get("KINVM_STANDIN_CPUS") or str(os.cpu_count() or 1)
        mem_kib = os.environ.get("KINVM_STANDIN_MEMORY_KIB")
        if not mem_kib:
            meminfo = read_text("/proc/meminfo")
            mem_kib = re.search(r"^MemTotal:\s+(\d+) kB", meminfo, re.M).group(1)
        os.makedirs(path(KUBELET_DIR), exist_ok=True)
        st = os.statvfs(path(KUBELET_DIR))
        quantity = {"cpu": cpus, "memory": f"{mem_kib}Ki", "pods": "110",
                    "ephemeral-storage": f"{st.f_blocks * st.f_frsize // 1024}Ki",
                    "hugepages-1Gi": "0", "hugepages-2Mi": "0"}
        self.capacity, self.allocatable = quantity, dict(quantity)
        os_release = dict(re.findall(r'^(\w+)="?([^"\n]*)"?$', read_text("/etc/os-release"), re.M))
        self.node_info = {
            "kubeletVersion": VERSION, "kubeProxyVersion": "", "operatingSystem": "linux",
            "architecture": "amd64", "containerRuntimeVersion": "standin://0.0.0",
            "osImage": os_release.get("PRETTY_NAME", "Linux"), "kernelVersion": os.uname().release,
            "machineID": read_text("/etc/machine-id"), "bootID": read_text("/proc/sys/kernel/random/boot_id"),
            "systemUUID": read_text("/sys/class/dmi/id/product_uuid"),
        }
        self.ip = node_ip or default_route_ipv4()
        self.started = rfc3339()


class NodeAgent:
    """Registers the Node, then posts its status every `interval` seconds, forever."""

    def __init__(self, client, name, labels, taints, annotations=None, version=VERSION, node_ip=None):
        self.client, self.name = client, name
        self.labels = {**labels, "kubernetes.io/hostname": name, "kubernetes.io/os": "linux",
                       "kubernetes.io/arch": "amd64", "beta.kubernetes.io/os": "linux", "beta.kubernetes.io/arch": "amd64"}
        self.taints, self.annotations = taints, annotations or {}
        self.machine = Machine(node_ip)
        self.machine.node_info["kubeletVersion"] = version
        self.interval = float(os.environ.get("KINVM_STANDIN_HEARTBEAT_SECONDS", "10"))

    def register(self):
        node = {"apiVersion": "v1", "kind": "Node",
                "metadata": {"name": self.name, "labels": self.labels, "annotations": self.annotations},
                "spec": {"taints": self.taints} if self.taints else {}}

        def attempt():
            try:
                self.client.request("POST", "/api/v1/nodes", node)
                klog(f'"Successfully registered node" node="{self.name}"')
            except ApiError as e:
                if e.status != 409:
                    raise
                self.client.request("GET", f"/api/v1/nodes/{self.name}")
                klog(f'"Node was previously registered" node="{self.name}"')
                if self.annotations:
                    self.client.request("PATCH", f"/api/v1/nodes/{self.name}",
                                        {"metadata": {"annotations": self.annotations}},
                                        "application/strategic-merge-patch+json")
        klog(f'"Attempting to register node" node="{self.name}"')
        retrying("Unable to register node with API server", attempt)

    def status(self):
        now, since = rfc3339(), self.machine.started
        cond = lambda t, s, reason, msg: {"type": t, "status": s, "reason": reason, "message": msg,
                                          "lastHeartbeatTime": now, "lastTransitionTime": since}
        return {"status": {
            "capacity": self.machine.capacity, "allocatable": self.machine.allocatable,
            "conditions": [
                cond("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
                cond("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
                cond("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
                cond("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
            ],
            "addresses": [{"type": "InternalIP", "address": self.machine.ip}, {"type": "Hostname", "address": self.name}],
            "nodeInfo": self.machine.node_info,
        }}

    def run(self):
        self.register()
        klog(f'"Node capacity" node="{self.name}" cpu="{self.machine.capacity["cpu"]}" memory="{self.machine.capacity["memory"]}"')
        ready_logged = False
        while True:
            statuses = []

            def heartbeat():
                try:
                    return self.client.request("PATCH", f"/api/v1/nodes/{self.name}/status", self.status(),
                                               "application/strategic-merge-patch+json")
                except ApiError as e:
                    statuses.append(e.status)
                    raise
                except (OSError, ssl.SSLError):
                    statuses.append(None)
                    raise

            ok = retrying("Error updating node status", heartbeat, attempts=5)
            if ok is None and statuses and all(s == 404 for s in statuses):
                # Every retry of this status update (~8 s) found no Node: deleted, or lost by the
                # API server. Register it again, as kubernetes/kubernetes#123535 proposes for the
                # real kubelet (which otherwise does so only on restart). A node being removed
                # by kinvm is gone with its guest long before that.
                klog(f'"Node not found after all status update retries, registering it again" node="{self.name}"', "W")
                self.register()
                continue
            if ok is not None and not ready_logged:
                klog(f'"Node became ready" node="{self.name}"')
                ready_logged = True
            time.sleep(self.interval)


# --- kubelet ------------------------------------------------------------------------------

def parse_flags(argv, known, positional=None):
    """--name=value / --name value for the names in `known` (True: takes a value); others are
    warned about. Positional arguments go to the `positional` list, or are an error without one."""
    flags, i = {}, 0
    while i < len(argv):
        arg = argv[i]
        if not arg.startswith("-"):
            if positional is None:
                raise Fatal(f'unknown command "{arg}"')
            positional.append(arg)
            i += 1
            continue
        name, eq, value = arg.lstrip("-").partition("=")
        if not eq and name in known and known[name] and i + 1 < len(argv):
            i, value = i + 1, argv[i + 1]
        if name in known:
            flags.setdefault(name, []).append(value)
        else:
            klog(f'"Flag not implemented by the stand-in, ignored" flag="{arg}"', "W")
        i += 1
    return flags


KUBELET_FLAGS = {"hostname-override": True, "node-labels": True, "register-with-taints": True,
                 "kubeconfig": True, "bootstrap-kubeconfig": True, "node-ip": True, "version": False}


def tls_bootstrap(name, bootstrap_conf, kubeconfig):
    """The kubelet's client certificate from a CSR signed through the API; writes kubelet.conf."""
    klog(f'"Using bootstrap kubeconfig to generate TLS client cert, key and kubeconfig file" path="{bootstrap_conf}"')
    boot = client_from_kubeconfig(bootstrap_conf)
    key = openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256")
    csr = openssl("req", "-new", "-key", "/dev/stdin", "-subj", f"/O=system:nodes/CN=system:node:{name}", stdin=key)
    body = {"apiVersion": "certificates.k8s.io/v1", "kind": "CertificateSigningRequest",
            "metadata": {"generateName": "csr-"},
            "spec": {"request": base64.b64encode(csr).decode(), "signerName": "kubernetes.io/kube-apiserver-client-kubelet",
                     "usages": ["digital signature", "client auth"]}}
    created = retrying("Failed to create certificate signing request", lambda: boot.request(
        "POST", "/apis/certificates.k8s.io/v1/certificatesigningrequests", body))
    csr_name = created["metadata"]["name"]
    klog(f'"Waiting for client certificate to be issued" csr="{csr_name}"')
    deadline = time.monotonic() + 900
    while time.monotonic() < deadline:
        obj = retrying("Failed to get certificate signing request", lambda: boot.request(
            "GET", f"/apis/certificates.k8s.io/v1/certificatesigningrequests/{csr_name}"))
        for c in (obj.get("status") or {}).get("conditions") or []:
            if c.get("type") in ("Denied", "Failed") and c.get("status", "True") == "True":
                raise Fatal(f'certificate signing request {csr_name} is {c["type"].lower()}: {c.get("message", "")}')
        cert = (obj.get("status") or {}).get("certificate")
        if cert:
            pem = base64.b64decode(cert) + key
            write_file(path(CLIENT_PEM), pem, 0o600)
            write_file(kubeconfig, kubeconfig_yaml(
                boot.server, ca_of(read_text(bootstrap_conf)), "default-cluster", "default-auth",
                {"client-certificate": path(CLIENT_PEM), "client-key": path(CLIENT_PEM)}), 0o600)
            klog(f'"Client certificate issued, wrote kubeconfig" path="{kubeconfig}"')
            return
        time.sleep(1)
    raise Fatal(f"timed out waiting for the certificate signing request {csr_name} to be signed")


def ca_of(kubeconfig_text):
    """The first cluster's CA (PEM) of a kubeconfig with certificate-authority-data."""
    try:
        kc = yaml.safe_load(kubeconfig_text)
        return base64.b64decode(kc["clusters"][0]["cluster"]["certificate-authority-data"]).decode()
    except (yaml.YAMLError, KeyError, IndexError, TypeError, ValueError) as e:
        raise ValueError(f"no certificate-authority-data in the kubeconfig: {e}")


def kubelet_main(argv):
    global PROG
    PROG = "kubelet"
    flags = parse_flags(argv, KUBELET_FLAGS)
    if "version" in flags:
        say(f"Kubernetes {VERSION}")
        return 0
    last = lambda n, d=None: flags.get(n, [d])[-1]
    name = (last("hostname-override") or socket.gethostname()).lower()
    labels = parse_labels(last("node-labels", ""))
    taints = parse_taints(last("register-with-taints", ""))
    kubeconfig = path(last("kubeconfig") or KUBELET_KUBECONFIG)
    bootstrap = path(last("bootstrap-kubeconfig") or BOOTSTRAP_KUBECONFIG)
    klog(f'"Starting kubelet (kinvm stand-in)" version="{VERSION}" node="{name}"')
    if not os.path.exists(kubeconfig):
        if not os.path.exists(bootstrap):
            raise Fatal(f"failed to run Kubelet: unable to load bootstrap kubeconfig: stat {bootstrap}: no such file or directory")
        tls_bootstrap(name, bootstrap, kubeconfig)
    NodeAgent(client_from_kubeconfig(kubeconfig), name, labels, taints, node_ip=last("node-ip")).run()
    return 0


# --- kubeadm ------------------------------------------------------------------------------

def spki_sha256(ca_pem):
    """"sha256:<hex>" of each certificate's DER SubjectPublicKeyInfo (kubeadm's pin format)."""
    pins = []
    for block in re.findall(r"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", ca_pem, re.S):
        pub = openssl("x509", "-pubkey", "-noout", stdin=block.encode()).decode()
        der = base64.b64decode("".join(l for l in pub.splitlines() if not l.startswith("-----")))
        pins.append("sha256:" + hashlib.sha256(der).hexdigest())
    return pins


class JoinFailed(Fatal):
    def __init__(self, phase, msg):
        super().__init__(f"error execution phase {phase}: {msg}\nTo see the stack trace of this error execute with --v=5 or higher")


def discover(endpoint, token, pins, timeout):
    """The validated cluster CA (PEM), after kubeadm's token discovery with CA pinning."""
    token_id, _, secret = token.partition(".")
    if not re.fullmatch(r"[a-z0-9]{6}", token_id) or not re.fullmatch(r"[a-z0-9]{16}", secret):
        raise Fatal(f'the bootstrap token "{token}" was not of the form "^([a-z0-9]{{6}})\\.([a-z0-9]{{16}})$"')
    fail = lambda msg: JoinFailed("preflight", f"couldn't validate the identity of the API Server: {msg}")
    insecure = Client(endpoint)
    cm_path = "/api/v1/namespaces/kube-public/configmaps/cluster-info"
    deadline = time.monotonic() + timeout
    say(f'[discovery] Created cluster-info discovery client, requesting info from "{endpoint}"')
    while True:
        try:
            data = insecure.request("GET", cm_path).get("data") or {}
            kubeconfig, signature = data.get("kubeconfig", ""), data.get(f"jws-kubeconfig-{token_id}")
            if signature:
                break
            err = f'could not find a JWS signature in the cluster-info ConfigMap for token ID "{token_id}"'
        except (ApiError, OSError, ssl.SSLError) as e:
            err = f"failed to request the cluster-info ConfigMap: {e}"
        left = deadline - time.monotonic()
        if left <= 0:
            raise fail(err)
        say(f"[discovery] Retrying due to error: {err}")
        time.sleep(min(5, left))
    header_b64, _, sig_b64 = signature.partition("..")
    try:
        header = json.loads(b64url_decode(header_b64))
        expected = hmac.new(token.encode(), f"{header_b64}.{b64url(kubeconfig.encode())}".encode(), hashlib.sha256).digest()
        valid = header.get("alg") == "HS256" and header.get("kid") == token_id and hmac.compare_digest(expected, b64url_decode(sig_b64))
    except (ValueError, TypeError, AttributeError):
        valid = False
    if not valid:
        raise fail("failed to verify JWS signature of received cluster info object, can't trust this API Server")
    try:
        ca_pem = ca_of(kubeconfig)
    except ValueError as e:
        raise fail(f"invalid kubeconfig in the cluster-info ConfigMap: {e}")
    got = spki_sha256(ca_pem)
    if not any(p.lower() in [g.lower() for g in got] for p in pins):
        raise fail('cluster CA found in cluster-info ConfigMap is invalid: none of the public keys "%s" are pinned' % ":".join(got))
    say(f'[discovery] Requesting info from "{endpoint}" again to validate TLS against the pinned public key')
    try:
        secure = Client(endpoint, ca_pem=ca_pem).request("GET", cm_path)
    except (ApiError, OSError, ssl.SSLError) as e:
        raise fail(f"failed to request the cluster-info ConfigMap: {e}")
    if (secure.get("data") or {}).get("kubeconfig") != kubeconfig:
        raise fail("the second kubeconfig from the cluster-info ConfigMap did not match the first")
    say(f'[discovery] Cluster info signature and contents are valid and TLS certificate validates against pinned roots, will use API Server "{endpoint}"')
    return ca_pem


def load_join_config(p):
    try:
        with open(p) as f:
            docs = [d for d in yaml.safe_load_all(f) if isinstance(d, dict)]
    except OSError as e:
        raise Fatal(f"unable to read config from {p!r}: {e.strerror}")
    except yaml.YAMLError as e:
        raise Fatal(f"unable to decode config from {p!r}: {e}")
    for doc in docs:
        if doc.get("kind") == "JoinConfiguration":
            if doc.get("apiVersion") not in ("kubeadm.k8s.io/v1beta3", "kubeadm.k8s.io/v1beta4"):
                raise Fatal(f'no kind "JoinConfiguration" is registered for version "{doc.get("apiVersion")}"')
            return doc
    raise Fatal(f"no JoinConfiguration found in {p}")


def extra_args(reg):
    """kubeletExtraArgs as [(name, value)]: a list of {name, value} (v1beta4) or a map (v1beta3)."""
    args = reg.get("kubeletExtraArgs") or []
    if isinstance(args, dict):
        return list(args.items())
    return [(a["name"], str(a.get("value", ""))) for a in args]


def start_kubelet():
    say("[kubelet-start] Starting the kubelet")
    if not NO_SYSTEMD:
        for cmd in (["systemctl", "enable", "kubelet"], ["systemctl", "restart", "kubelet"]):
            r = subprocess.run(cmd, capture_output=True, text=True)
            if r.returncode != 0:
                raise JoinFailed("kubelet-start", f"{' '.join(cmd)} failed: {r.stderr.strip()}")
        return
    stop_kubelet()
    env_args = re.search(r'KUBELET_KUBEADM_ARGS="([^"]*)"', read_text(path(FLAGS_ENV))).group(1)
    os.makedirs(path("/var/log"), exist_ok=True)
    log = open(path("/var/log/kubelet.log"), "ab")
    proc = subprocess.Popen([sys.executable, os.path.realpath(__file__), "kubelet", *shlex.split(env_args)],
                            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    write_file(path(KUBELET_PID), f"{proc.pid}\n")


def stop_kubelet():
    if not NO_SYSTEMD:
        subprocess.run(["systemctl", "stop", "kubelet"], capture_output=True)
        return
    try:
        pid = int(read_text(path(KUBELET_PID)))
        os.kill(pid, signal.SIGTERM)
        for _ in range(50):  # gone, or a zombie nobody reaps yet
            if read_text(f"/proc/{pid}/stat", "x) Z").rsplit(")", 1)[1].split()[0] == "Z":
                break
            time.sleep(0.1)
    except (ValueError, OSError):
        pass
    finally:
        try:
            os.unlink(path(KUBELET_PID))
        except OSError:
            pass


def kubeadm_join(argv):
    positional = []
    flags = parse_flags(argv, {
        "config": True, "token": True, "discovery-token": True, "discovery-token-ca-cert-hash": True,
        "node-name": True, "ignore-preflight-errors": True, "v": True}, positional)
    last = lambda n: flags.get(n, [None])[-1]
    if last("config"):
        cfg = load_join_config(last("config"))
    else:
        cfg = {"discovery": {"bootstrapToken": {
            "apiServerEndpoint": positional[0] if positional else None,
            "token": last("discovery-token") or last("token"),
            "caCertHashes": flags.get("discovery-token-ca-cert-hash", [])}}, "nodeRegistration": {}}
    bt = (cfg.get("discovery") or {}).get("bootstrapToken") or {}
    reg = cfg.get("nodeRegistration") or {}
    endpoint, token, pins = bt.get("apiServerEndpoint"), bt.get("token") or "", bt.get("caCertHashes") or []
    if not endpoint or not token:
        raise Fatal("discovery.bootstrapToken: the API server endpoint and the token are required")
    if not pins and not bt.get("unsafeSkipCAVerification"):
        raise Fatal("discovery.bootstrapToken.caCertHashes: Invalid value: []: using token-based discovery without caCertHashes can be unsafe. Set unsafeSkipCAVerification as true in your kubeadm config file or pass --discovery-token-unsafe-skip-ca-verification flag to continue")
    name = (last("node-name") or reg.get("name") or socket.gethostname()).lower()
    timeouts = cfg.get("timeouts") or {}
    discovery_timeout = parse_duration(timeouts.get("discovery") or (cfg.get("discovery") or {}).get("timeout"), 300)
    bootstrap_timeout = parse_duration(timeouts.get("tlsBootstrap"), 240)

    say("[preflight] Running pre-flight checks")
    errors = [f"\t[ERROR FileAvailable-{p.replace('/', '-')}]: {p} already exists"
              for p in (KUBELET_KUBECONFIG, CA_FILE) if os.path.exists(path(p))]
    if errors:
        raise JoinFailed("preflight", "[preflight] Some fatal errors occurred:\n" + "\n".join(errors) +
                         "\n[preflight] If you know what you are doing, you can make a check non-fatal with `--ignore-preflight-errors=...`")
    ca_pem = discover(endpoint, token, pins, discovery_timeout)

    # As kubeadm's kubelet-start phase: stop the (crash-looping) kubelet first, and write its
    # flags before the bootstrap kubeconfig, so it never bootstraps without its labels and taints.
    say("[kubelet-start] Stopping the kubelet")
    stop_kubelet()
    args = [f"--hostname-override={name}"]
    labels = next((v for k, v in extra_args(reg) if k == "node-labels"), "")
    if labels:
        args.append(f"--node-labels={labels}")
    taints = [f'{t["key"]}{"=" + str(t["value"]) if t.get("value") not in (None, "") else ""}:{t["effect"]}'
              for t in reg.get("taints") or []]
    if taints:
        args.append(f"--register-with-taints={','.join(taints)}")
    args += [f"--{k}={v}" for k, v in extra_args(reg) if k not in ("node-labels", "hostname-override", "register-with-taints")]
    say(f'[kubelet-start] Writing kubelet environment file with flags to file "{FLAGS_ENV}"')
    write_file(path(FLAGS_ENV), f'KUBELET_KUBEADM_ARGS="{" ".join(args)}"\n')
    write_file(path(CA_FILE), ca_pem)
    write_file(path(BOOTSTRAP_KUBECONFIG), kubeconfig_yaml(
        f"https://{endpoint}", ca_pem, "kubernetes", "tls-bootstrap-token-user", {"token": token}), 0o600)
    start_kubelet()
    say(f"[kubelet-start] Waiting for the kubelet to perform the TLS Bootstrap (up to {timeouts.get('tlsBootstrap') or '4m0s'})")
    wait_node(name, bootstrap_timeout)
    say("\nThis node has joined the cluster:\n"
        "* Certificate signing request was sent to apiserver and a response was received.\n"
        "* The Kubelet was informed of the new secure connection details.\n\n"
        "Run 'kubectl get nodes' on the control-plane to see this node join the cluster.\n")
    return 0


def wait_node(name, timeout):
    """Until GET node NAME succeeds with the kubelet's own credentials (kubelet.conf)."""
    start = time.monotonic()
    last_err = "the kubelet has not written /etc/kubernetes/kubelet.conf"
    while time.monotonic() - start < timeout:
        if os.path.exists(path(KUBELET_KUBECONFIG)) and os.path.exists(path(CLIENT_PEM)):
            try:
                client_from_kubeconfig(path(KUBELET_KUBECONFIG)).request("GET", f"/api/v1/nodes/{name}")
                say(f"[kubelet-check] The kubelet registered node {name!r} after {time.monotonic() - start:.1f}s")
                return
            except (ApiError, OSError, ssl.SSLError, Fatal) as e:
                last_err = str(e)
        time.sleep(1)
    raise JoinFailed("kubelet-start", f"timed out after {timeout:.0f}s waiting for the kubelet to perform the TLS Bootstrap and register node {name!r}: {last_err}")


def kubeadm_reset(argv):
    if "-f" not in argv and "--force" not in argv:
        sys.stdout.write("[reset] Are you sure you want to proceed? [y/N]: ")
        sys.stdout.flush()
        if sys.stdin.readline().strip().lower() not in ("y", "yes"):
            raise Fatal("won't proceed; the user didn't answer (Y|y) in order to continue")
    say("[reset] Stopping the kubelet service")
    stop_kubelet()
    if os.path.exists(path(STANDIN_STATE)):
        say(f"[reset] Stopping the stand-in API server and deleting {STANDIN_STATE}")
        APIServer([], "").stop()
        subprocess.run(["rm", "-rf", "--", path(STANDIN_STATE)], check=False)
        if not NO_SYSTEMD and os.path.exists(STANDIN_UNIT):
            os.unlink(STANDIN_UNIT)
    say("[reset] Deleting contents of directories: [/etc/kubernetes/manifests /var/lib/kubelet /etc/kubernetes/pki]")
    for d in ("/etc/kubernetes/manifests", KUBELET_DIR, "/etc/kubernetes/pki"):
        subprocess.run(["sh", "-c", 'rm -rf -- "$1"/* "$1"/.[!.]*', "sh", path(d)], check=False)
    removed = [p for p in ("/etc/kubernetes/admin.conf", KUBELET_KUBECONFIG, BOOTSTRAP_KUBECONFIG)
               if os.path.exists(path(p))]
    for p in removed:
        os.unlink(path(p))
    say(f"[reset] Deleting files: {removed}")
    return 0


def kubeadm_main(argv):
    global PROG
    PROG = "kubeadm"
    cmd, rest = (argv[0], argv[1:]) if argv else ("", [])
    if cmd == "version":
        short = "-o" in rest and "short" in rest or "--output=short" in rest or "-oshort" in rest
        say(VERSION if short else f'kubeadm version: &version.Info{{Major:"1", Minor:"32", GitVersion:"{VERSION}", '
                                  f'GoVersion:"standin", Compiler:"python", Platform:"linux/amd64"}}')
        return 0
    if cmd == "join":
        return kubeadm_join(rest)
    if cmd == "reset":
        return kubeadm_reset(rest)
    if cmd == "init":
        return kubeadm_init(rest)
    raise Fatal(f'unknown command "{cmd}" for "kubeadm" (the stand-in implements init, join, reset and version)')


# --- control plane: the stand-in API server behind `kubeadm init` and `k3s server` ---------------

def systemd_quote(arg):
    """One ExecStart= argument, double-quoted the way systemd reads it."""
    return '"' + arg.replace("\\", "\\\\").replace('"', '\\"').replace("$", "$$").replace("%", "%%") + '"'


def pid_alive(pid):
    stat = read_text(f"/proc/{pid}/stat", "")
    return bool(stat) and stat.rsplit(")", 1)[1].split()[0] != "Z"


class APIServer:
    """The stand-in API server (kube-standin) as a service: a systemd unit in the guest, enabled so
    it comes back after a reboot, or a background process with KINVM_STANDIN_NO_SYSTEMD=1. Its
    CA, key pairs and objects live in /var/lib/kinvm-standin, so a restart keeps them."""

    def __init__(self, sans, guest_server, k3s=False):
        state = path(STANDIN_STATE)
        self.pki, self.kubeconfig = f"{state}/pki", f"{state}/admin.kubeconfig"
        self.node_token = f"{state}/node-token" if k3s else None
        self.k3s_token_file = f"{state}/k3s-token"
        self.args = ["serve", "--host", "127.0.0.1", "--port", str(API_PORT), "--bind", API_BIND,
                     "--pki-dir", self.pki, "--state-file", f"{state}/state.json",
                     "--kubeconfig-out", self.kubeconfig, "--guest-server", guest_server]
        for san in dict.fromkeys(sans):  # ordered, without duplicates
            self.args += ["--san", san]
        if k3s:
            self.args += ["--k3s-token-file", self.k3s_token_file, "--k3s-token-out", self.node_token]

    def start(self, timeout=120):
        if not os.access(STANDIN_SERVER, os.X_OK):
            raise Fatal(f"the stand-in API server {STANDIN_SERVER} is missing or not executable")
        os.makedirs(path(STANDIN_STATE), mode=0o700, exist_ok=True)
        argv = [STANDIN_SERVER, *self.args]
        if NO_SYSTEMD:
            self._start_process(argv)
        else:
            self._start_unit(argv)
        return self.wait(timeout)

    def _start_unit(self, argv):
        unit = ("[Unit]\nDescription=kinvm stand-in Kubernetes API server (k3s server / kubeadm init stand-in)\n"
                "Wants=network-online.target\nAfter=network-online.target\n\n"
                "[Service]\nExecStart=" + " ".join(systemd_quote(a) for a in argv) + "\n"
                "Restart=always\nRestartSec=2\n\n[Install]\nWantedBy=multi-user.target\n")
        changed = read_text(STANDIN_UNIT, None) != unit.strip()
        if changed:
            write_file(STANDIN_UNIT, unit)
        # --no-block: never wait on systemd from inside another unit's start (k3s.service, cloud-final).
        commands = [["systemctl", "daemon-reload"]] if changed else []
        commands += [["systemctl", "enable", "kube-standin.service"],
                     ["systemctl", "restart" if changed else "start", "--no-block", "kube-standin.service"]]
        for cmd in commands:
            r = subprocess.run(cmd, capture_output=True, text=True)
            if r.returncode != 0:
                raise Fatal(f"{' '.join(cmd)} failed: {r.stderr.strip()}")

    def _start_process(self, argv):
        """A background process (own session, log in /var/log/kube-standin.log, pid in
        /run/kube-standin.pid); one already running is kept. The command line is kept in
        /var/lib/kinvm-standin/kube-standin.argv (JSON) for tests that restart it."""
        write_file(path(STANDIN_STATE + "/kube-standin.argv"), json.dumps(argv) + "\n")
        try:
            if pid_alive(int(read_text(path(STANDIN_PID)))):
                return
        except ValueError:
            pass
        os.makedirs(path("/var/log"), exist_ok=True)
        log = open(path("/var/log/kube-standin.log"), "ab")
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        write_file(path(STANDIN_PID), f"{proc.pid}\n")

    def wait(self, timeout):
        """Until /readyz answers with the admin's credentials; the admin client."""
        deadline, err = time.monotonic() + timeout, "not started"
        while time.monotonic() < deadline:
            try:
                admin = client_from_kubeconfig(self.kubeconfig)
                admin.timeout = 5
                if admin.request("GET", "/readyz") == "ok":
                    return admin
                err = "/readyz did not answer ok"
            except (ApiError, OSError, ssl.SSLError, Fatal, yaml.YAMLError, ValueError, KeyError, TypeError) as e:
                err = str(e)
            time.sleep(0.5)
        raise Fatal(f"the stand-in API server did not become ready within {timeout:.0f}s: {err}")

    def credentials(self):
        """(CA PEM, admin client certificate PEM, admin key PEM) from the server's kubeconfig."""
        with open(self.kubeconfig) as f:
            kc = yaml.safe_load(f)
        user = kc["users"][0]["user"]
        decode = lambda k: base64.b64decode(user[k]).decode()
        return ca_of(yaml.safe_dump(kc)), decode("client-certificate-data"), decode("client-key-data")

    def stop(self):
        if not NO_SYSTEMD:
            subprocess.run(["systemctl", "disable", "--now", "kube-standin.service"], capture_output=True)
            return
        try:
            os.kill(int(read_text(path(STANDIN_PID))), signal.SIGTERM)
        except (ValueError, OSError):
            pass


def admin_kubeconfig(server, ca_pem, cert_pem, key_pem, cluster, user, context):
    return yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "preferences": {},
        "clusters": [{"name": cluster, "cluster": {
            "server": server, "certificate-authority-data": base64.b64encode(ca_pem.encode()).decode()}}],
        "contexts": [{"name": context, "context": {"cluster": cluster, "user": user}}],
        "current-context": context,
        "users": [{"name": user, "user": {
            "client-certificate-data": base64.b64encode(cert_pem.encode()).decode(),
            "client-key-data": base64.b64encode(key_pem.encode()).decode()}}],
    }, default_flow_style=False)


def sd_notify_ready():
    """READY=1 to systemd when run by a Type=notify unit (as k3s' own unit is)."""
    target = os.environ.get("NOTIFY_SOCKET")
    if not target:
        return
    address = "\0" + target[1:] if target.startswith("@") else target
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
            sock.sendto(b"READY=1", address)
    except OSError as e:
        klog(f'"sd_notify failed" err="{e}"', "W")


def host_of(endpoint):
    return split_server(endpoint)[0]


# --- kubeadm init ---------------------------------------------------------------------------

def load_init_config(p):
    """(InitConfiguration, ClusterConfiguration) of a kubeadm config file; {} for a missing one."""
    try:
        with open(p) as f:
            docs = [d for d in yaml.safe_load_all(f) if isinstance(d, dict)]
    except OSError as e:
        raise Fatal(f"unable to read config from {p!r}: {e.strerror}")
    except yaml.YAMLError as e:
        raise Fatal(f"unable to decode config from {p!r}: {e}")
    found = {}
    for doc in docs:
        kind = doc.get("kind")
        if kind in ("InitConfiguration", "ClusterConfiguration"):
            if doc.get("apiVersion") not in ("kubeadm.k8s.io/v1beta3", "kubeadm.k8s.io/v1beta4"):
                raise Fatal(f'no kind "{kind}" is registered for version "{doc.get("apiVersion")}"')
            found[kind] = doc
    return found.get("InitConfiguration", {}), found.get("ClusterConfiguration", {})


def kubelet_client_certificate(ca_file, ca_key_file, name):
    """Key and certificate (PEM, in one) of `system:node:NAME`, signed with the CA key, as
    kubeadm's kubeconfig phase makes them for the control plane's own kubelet."""
    key = openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256")
    csr = openssl("req", "-new", "-key", "/dev/stdin", "-subj", f"/O=system:nodes/CN=system:node:{name}", stdin=key)
    ext = path(STANDIN_STATE + "/kubelet-client.ext")
    write_file(ext, "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n"
                    "extendedKeyUsage=clientAuth\n", 0o600)
    try:
        cert = openssl("x509", "-req", "-CA", ca_file, "-CAkey", ca_key_file, "-set_serial", "0x" + os.urandom(16).hex(),
                       "-days", "365", "-sha256", "-extfile", ext, stdin=csr)
    finally:
        os.unlink(ext)
    return cert + key


def bootstrap_token_secret(token, ttl_seconds, usages, groups, description):
    token_id, _, secret = token.partition(".")
    data = {"token-id": token_id, "token-secret": secret, "description": description,
            "auth-extra-groups": ",".join(groups)}
    if ttl_seconds:
        expiry = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=ttl_seconds)
        data["expiration"] = rfc3339(expiry)
    for usage in usages:
        data[f"usage-bootstrap-{usage}"] = "true"
    return {"apiVersion": "v1", "kind": "Secret", "type": "bootstrap.kubernetes.io/token",
            "metadata": {"name": f"bootstrap-token-{token_id}", "namespace": "kube-system"},
            "data": {k: base64.b64encode(v.encode()).decode() for k, v in data.items()}}


def kubeadm_init(argv):
    flags = parse_flags(argv, {"config": True, "node-name": True, "apiserver-advertise-address": True,
                               "control-plane-endpoint": True, "apiserver-cert-extra-sans": True, "token": True,
                               "ignore-preflight-errors": True, "v": True})
    last = lambda n: flags.get(n, [None])[-1]
    init, cluster = load_init_config(last("config")) if last("config") else ({}, {})
    reg = init.get("nodeRegistration") or {}
    local = init.get("localAPIEndpoint") or {}
    advertise = last("apiserver-advertise-address") or local.get("advertiseAddress") or default_route_ipv4()
    name = (last("node-name") or reg.get("name") or socket.gethostname()).lower()
    cp_endpoint = last("control-plane-endpoint") or cluster.get("controlPlaneEndpoint")
    if cp_endpoint and ":" not in cp_endpoint.rsplit("]", 1)[-1]:
        cp_endpoint = f"{cp_endpoint}:{API_PORT}"
    endpoint = cp_endpoint or f"{advertise}:{API_PORT}"
    extra_sans = [x for x in (last("apiserver-cert-extra-sans") or "").split(",") if x]
    sans = [advertise, "127.0.0.1", name, "localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc",
            "kubernetes.default.svc.cluster.local", host_of(endpoint)] + \
        [str(x) for x in (cluster.get("apiServer") or {}).get("certSANs") or []] + extra_sans
    taints = reg.get("taints")
    if taints is None:  # kubeadm's default for a control-plane node; an explicit [] means none
        taints = [{"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}]

    say(f"[init] Using Kubernetes version: {VERSION}")
    say("[preflight] Running pre-flight checks")
    errors = [f"\t[ERROR FileAvailable-{p.replace('/', '-')}]: {p} already exists"
              for p in (ADMIN_CONF, KUBELET_KUBECONFIG) if os.path.exists(path(p))]
    if errors:
        raise JoinFailed("preflight", "[preflight] Some fatal errors occurred:\n" + "\n".join(errors) +
                         "\n[preflight] If you know what you are doing, you can make a check non-fatal with `--ignore-preflight-errors=...`")
    say(f'[certs] apiserver serving cert is signed for DNS names and IPs {list(dict.fromkeys(sans))}')
    server = APIServer(sans, f"https://{endpoint}")
    say(f'[control-plane] Starting the stand-in API server ({STANDIN_SERVER}) on {API_BIND}:{API_PORT}')
    start = time.monotonic()
    admin = server.start()
    say(f"[apiclient] All control plane components are healthy after {time.monotonic() - start:.6f} seconds")
    ca_pem, cert_pem, key_pem = server.credentials()
    write_file(path(CA_FILE), ca_pem)
    say('[kubeconfig] Writing "admin.conf" kubeconfig file')
    write_file(path(ADMIN_CONF), admin_kubeconfig(f"https://{endpoint}", ca_pem, cert_pem, key_pem,
                                                  "kubernetes", "kubernetes-admin", "kubernetes-admin@kubernetes"), 0o600)
    say('[kubeconfig] Writing "kubelet.conf" kubeconfig file')
    write_file(path(CLIENT_PEM), kubelet_client_certificate(f"{server.pki}/ca.crt", f"{server.pki}/ca.key", name), 0o600)
    write_file(path(KUBELET_KUBECONFIG), kubeconfig_yaml(
        f"https://{endpoint}", ca_pem, "default-cluster", "default-auth",
        {"client-certificate": path(CLIENT_PEM), "client-key": path(CLIENT_PEM)}), 0o600)

    stop_kubelet()
    args = [f"--hostname-override={name}"]
    labels = next((v for k, v in extra_args(reg) if k == "node-labels"), "")
    if labels:
        args.append(f"--node-labels={labels}")
    taint_args = [f'{t["key"]}{"=" + str(t["value"]) if t.get("value") not in (None, "") else ""}:{t["effect"]}' for t in taints]
    if taint_args:
        args.append(f"--register-with-taints={','.join(taint_args)}")
    args += [f"--{k}={v}" for k, v in extra_args(reg) if k not in ("node-labels", "hostname-override", "register-with-taints")]
    say(f'[kubelet-start] Writing kubelet environment file with flags to file "{FLAGS_ENV}"')
    write_file(path(FLAGS_ENV), f'KUBELET_KUBEADM_ARGS="{" ".join(args)}"\n')
    start_kubelet()
    wait_node(name, 240)

    role_labels = {"node-role.kubernetes.io/control-plane": "", "node.kubernetes.io/exclude-from-external-load-balancers": ""}
    say(f"[mark-control-plane] Marking the node {name} as control-plane by adding the labels: [{' '.join(role_labels)}]")
    say(f"[mark-control-plane] Marking the node {name} as control-plane by adding the taints [{' '.join(taint_args)}]")

    def mark():
        node = admin.request("GET", f"/api/v1/nodes/{name}")
        have = (node.get("spec") or {}).get("taints") or []
        keys = {(t.get("key"), t.get("effect")) for t in have}
        merged = have + [t for t in taints if (t["key"], t["effect"]) not in keys]
        admin.request("PATCH", f"/api/v1/nodes/{name}", {"metadata": {"labels": role_labels}, "spec": {"taints": merged}},
                      "application/merge-patch+json")
    retrying("Marking the control-plane node", mark, attempts=10)

    tokens = init.get("bootstrapTokens") or [{}]
    if last("token"):
        tokens = [{"token": last("token")}]
    join_token = None
    for spec in tokens:
        token = spec.get("token") or f"{os.urandom(8).hex()[:6]}.{os.urandom(16).hex()[:16]}"
        if not re.fullmatch(r"[a-z0-9]{6}\.[a-z0-9]{16}", token):
            raise Fatal(f'the bootstrap token "{token}" was not of the form "^([a-z0-9]{{6}})\\.([a-z0-9]{{16}})$"')
        join_token = join_token or token
        secret = bootstrap_token_secret(token, parse_duration(spec.get("ttl"), 86400), spec.get("usages") or ["signing", "authentication"],
                                        spec.get("groups") or ["system:bootstrappers:kubeadm:default-node-token"],
                                        spec.get("description") or "The default bootstrap token generated by 'kubeadm init'.")
        say(f"[bootstrap-token] Using token: {token}")

        def create(secret=secret):
            try:
                admin.request("POST", "/api/v1/namespaces/kube-system/secrets", secret)
            except ApiError as e:
                if e.status != 409:
                    raise
        retrying("Creating the bootstrap token", create, attempts=10)
    pin = spki_sha256(ca_pem)[0]
    say("\nYour Kubernetes control-plane has initialized successfully!\n\n"
        "To start using your cluster, you need to run the following as a regular user:\n\n"
        "  mkdir -p $HOME/.kube\n  sudo cp -i /etc/kubernetes/admin.conf $HOME/.kube/config\n"
        "  sudo chown $(id -u):$(id -g) $HOME/.kube/config\n\n"
        "Alternatively, if you are the root user, you can run:\n\n  export KUBECONFIG=/etc/kubernetes/admin.conf\n\n"
        "Then you can join any number of worker nodes by running the following on each as root:\n\n"
        f"kubeadm join {endpoint} --token {join_token} \\\n\t--discovery-token-ca-cert-hash {pin} ")
    return 0


# --- k3s server -------------------------------------------------------------------------------

def k3s_server(argv):
    flags = parse_flags(argv, {"config": True, "c": True, "node-name": True, "node-label": True, "node-taint": True,
                               "node-ip": True, "tls-san": True, "token": True, "t": True, "write-kubeconfig-mode": True,
                               "write-kubeconfig": True, "o": True, "advertise-address": True, "debug": False,
                               "cluster-init": False, "disable": True})
    cfg_path = path((flags.get("config") or flags.get("c") or [K3S_CONFIG])[-1])
    cfg = {}
    if os.path.exists(cfg_path):
        with open(cfg_path) as f:
            cfg = yaml.safe_load(f) or {}
    pick = lambda *names: next((flags[n][-1] for n in names if n in flags), None)
    listed = lambda v: [str(x) for x in (v if isinstance(v, list) else [v] if v not in (None, "") else [])]
    many = lambda name: [x for v in flags.get(name, []) + listed(cfg.get(name)) for x in str(v).split(",") if x]
    name = (pick("node-name") or os.environ.get("K3S_NODE_NAME") or cfg.get("node-name") or socket.gethostname()).lower()
    ips = many("node-ip") or [default_route_ipv4()]
    advertise = pick("advertise-address") or cfg.get("advertise-address") or ips[0]
    labels = parse_labels(",".join(many("node-label")))
    labels.update({"node-role.kubernetes.io/control-plane": "true", "node-role.kubernetes.io/master": "true"})
    taints = parse_taints(",".join(many("node-taint")))
    mode_text = str(pick("write-kubeconfig-mode") or os.environ.get("K3S_KUBECONFIG_MODE") or cfg.get("write-kubeconfig-mode") or "0600")
    try:
        mode = int(mode_text, 8)
    except ValueError:
        raise Fatal(f'invalid write-kubeconfig-mode "{mode_text}"')
    kubeconfig = path(pick("write-kubeconfig", "o") or os.environ.get("K3S_KUBECONFIG_OUTPUT") or cfg.get("write-kubeconfig") or K3S_KUBECONFIG)
    sans = ips + ["127.0.0.1", "::1", "localhost", name, advertise, "kubernetes", "kubernetes.default",
                  "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"] + many("tls-san")

    klog(f'"Starting k3s {K3S_VERSION} (kinvm stand-in)"')
    server = APIServer(sans, f"https://{advertise}:{API_PORT}", k3s=True)
    token = pick("token", "t") or os.environ.get("K3S_TOKEN") or cfg.get("token")
    if token and read_text(server.k3s_token_file) != str(token).strip():
        write_file(server.k3s_token_file, f"{str(token).strip()}\n", 0o600)
    server.start()
    ca_pem, cert_pem, key_pem = server.credentials()
    node_token = read_text(server.node_token)
    for p in (f"{K3S_SERVER_DIR}/node-token", f"{K3S_SERVER_DIR}/token", f"{K3S_SERVER_DIR}/agent-token"):
        write_file(path(p), node_token + "\n", 0o600)
    write_file(path(f"{K3S_SERVER_DIR}/tls/server-ca.crt"), ca_pem)
    write_file(kubeconfig, admin_kubeconfig(f"https://127.0.0.1:{API_PORT}", ca_pem, cert_pem, key_pem,
                                            "default", "default", "default"), mode)
    klog(f'"Wrote kubeconfig" path="{kubeconfig}"')
    klog(f'"Node token is available at {K3S_SERVER_DIR}/node-token"')
    sd_notify_ready()
    # The embedded agent: registers this node and keeps its heartbeat, as `k3s agent` does.
    password = re.fullmatch(r"K10[0-9a-f]+::[^:]+:(.+)", node_token).group(1)
    client = Client(f"https://127.0.0.1:{API_PORT}", ca_pem=ca_pem, basic=f"node:{password}")
    NodeAgent(client, name, labels, taints, version=K3S_VERSION, node_ip=ips[0]).run()
    return 0


# --- k3s ------------------------------------------------------------------------------------

def k3s_agent(argv):
    flags = parse_flags(argv, {"config": True, "c": True, "server": True, "s": True, "token": True, "t": True,
                               "node-name": True, "node-label": True, "node-taint": True, "node-ip": True,
                               "debug": False})
    cfg_path = path((flags.get("config") or flags.get("c") or [K3S_CONFIG])[-1])
    cfg = {}
    if os.path.exists(cfg_path):
        with open(cfg_path) as f:
            cfg = yaml.safe_load(f) or {}
    pick = lambda *names: next((flags[n][-1] for n in names if n in flags), None)
    listed = lambda v: v if isinstance(v, list) else [v] if v else []
    server = pick("server", "s") or os.environ.get("K3S_URL") or cfg.get("server")
    token = pick("token", "t") or os.environ.get("K3S_TOKEN") or cfg.get("token")
    name = (pick("node-name") or os.environ.get("K3S_NODE_NAME") or cfg.get("node-name") or socket.gethostname()).lower()
    if not server or not token:
        raise Fatal("--token and --server are required to run the agent (config file " + cfg_path + ")")
    labels = parse_labels(",".join(flags.get("node-label", []) + [str(x) for x in listed(cfg.get("node-label"))]))
    taints = parse_taints(",".join(flags.get("node-taint", []) + [str(x) for x in listed(cfg.get("node-taint"))]))
    m = re.fullmatch(r"K10([0-9a-f]+)::([^:]+):(.+)", str(token))
    ca_hash, password = (m.group(1), m.group(3)) if m else (None, str(token))

    klog(f'"Starting k3s agent {K3S_VERSION} (kinvm stand-in)"')
    body = retrying("Failed to retrieve the cluster CA from the server", lambda: Client(server).raw_get("/cacerts"))
    got = hashlib.sha256(body).hexdigest()
    if ca_hash is not None and ca_hash != got:
        raise Fatal(f"token CA hash does not match the Cluster CA certificate hash: {ca_hash} != {got}")
    images_dir = path(K3S_IMAGES)
    images = sorted(os.listdir(images_dir)) if os.path.isdir(images_dir) else []
    if images:
        klog(f'"Found air-gap images" dir="{K3S_IMAGES}" files="{",".join(images)}"')
    client = Client(server, ca_pem=body.decode(), basic=f"node:{password}")
    ip = pick("node-ip") or cfg.get("node-ip")
    NodeAgent(client, name, labels, taints, annotations={AIRGAP_ANNOTATION: ",".join(images)},
              version=K3S_VERSION, node_ip=ip).run()
    return 0


def k3s_main(argv):
    global PROG
    PROG = "k3s"
    if not argv or argv[0] in ("--version", "-v", "version"):
        say(f"k3s version {K3S_VERSION} (standin)\ngo version go1.23.0")
        return 0
    if argv[0] == "agent":
        return k3s_agent(argv[1:])
    if argv[0] == "server":
        return k3s_server(argv[1:])
    raise Fatal(f'the k3s stand-in implements "server", "agent" and "--version", not "{argv[0]}"')


def main():
    tools = {"kubeadm": kubeadm_main, "kubelet": kubelet_main, "k3s": k3s_main}
    argv = sys.argv[1:]
    tool = os.path.basename(sys.argv[0])
    if tool not in tools:
        if not argv or argv[0] not in tools:
            sys.stderr.write(f"usage: {tool} kubeadm|kubelet|k3s ARGS... (or run it through a symlink of that name)\n")
            return 2
        tool, argv = argv[0], argv[1:]
    # A parent may hand down a blocked signal mask (Swift's Process does): unblock what stops us.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT, signal.SIGHUP})
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        return tools[tool](argv)
    except Fatal as e:
        if tool == "kubeadm":
            sys.stderr.write(f"{e}\n")
        elif tool == "k3s":
            sys.stderr.write(f'time="{rfc3339()}" level=fatal msg="{e}"\n')
        else:
            sys.stderr.write(f'E{datetime.datetime.now():%m%d %H:%M:%S.%f} {os.getpid():7d} run.go:72] "command failed" err="{e}"\n')
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
