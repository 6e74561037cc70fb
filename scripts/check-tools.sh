#!/usr/bin/env bash
# Static checks of the project's shell scripts (scripts/*.sh, Benchmarks/*.sh, .ci/run) and
# Benchmarks/*.py, run by scripts/test.sh right after setup-host.sh:
#
# 1. tools: every program a script calls comes from a package that scripts/setup-host.sh
#    installs (its PACKAGES list, or a package one of those depends on directly) or that every
#    Debian has (Essential, or Priority: required). Calls are found by reading the scripts: the
#    first word of each simple command, also after |, &&, ||, ;, $( ), ` `, <( ), then, do, !,
#    and behind exec, command -v, sudo, env, xargs, timeout, /usr/bin/time, nohup, nice,
#    unshare, nsenter, find -exec, `ip netns exec NS`, `sh -c '...'` and trap '...'. Shell builtins and
#    keywords, functions defined in the script or in scripts/common.sh, "$variables", relative
#    paths and the project's own programs are skipped; heredocs are data (what runs in a guest,
#    a chroot or Python is not the host's business), except that Python code given to
#    /usr/bin/python3 (-c or a heredoc) and Benchmarks/*.py have their imports checked the same
#    way. A name is resolved with `command -v` on the system PATH, then `dpkg -S` (merged /usr
#    and alternatives links followed).
# 2. pipefail: no `grep -q`/`grep -m`/`head` after a `|` in a script that sets pipefail (and
#    scripts/common.sh, which they source): such a reader exits before the writer is done, the
#    writer dies of SIGPIPE, and the pipeline is false although grep matched (run.sh's
#    `virsh pool-info | grep -q` failed 4 runs in 5 that way). Capture the output in a variable
#    first, then test it.
#
# Usage: scripts/check-tools.sh [-v] [FILE...]    (default: all of the files above)
#   -v  also print every program found, with the package that provides it
# Exit status: 0 when both checks pass, 1 otherwise (each problem as FILE:LINE: message).
set -euo pipefail

SCRIPT_NAME=check-tools.sh
here=$(dirname "$(readlink -f "$0")")
# shellcheck source=common.sh source-path=SCRIPTDIR
. "$here/common.sh"

verbose=0
case "${1:-}" in
    -h|--help) sed -n '2,26p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -v) verbose=1; shift ;;
esac
command -v dpkg-query >/dev/null || die "dpkg-query not found: this check needs Debian's package database"
[ -x /usr/bin/python3 ] || die "/usr/bin/python3 not found (run scripts/setup-host.sh)"

repo=$(readlink -f "$here/..")
cd "$repo"
if [ "$#" -eq 0 ]; then
    set -- scripts/*.sh Benchmarks/*.sh Benchmarks/*.py .ci/run
fi

# Programs that no apt package on Debian 12 provides, with the reason each is acceptable.
# "NAME<TAB>REASON" lines.
exceptions=$(cat <<'EOF'
swift	the Swift toolchain (/opt/swift): installed with the machine, as the README says, not by apt
kubectl	not in Debian's archive; installed with the machine (the tests need it); demo-cluster.sh skips it when missing
systemctl	called only when systemd is PID 1 (has_systemd), where systemd's own package provides it
EOF
)

# The packages the check accepts: setup-host.sh's list, their direct dependencies (installed
# with them), and every installed package that is Essential or Priority: required.
listed=$("$here/setup-host.sh" --list)
# shellcheck disable=SC2016  # dpkg-query's own ${field} syntax
base=$(dpkg-query -W -f='${Package} ${Essential} ${Priority}\n' | awk '$2 == "yes" || $3 == "required" { print $1 }')
# shellcheck disable=SC2016,SC2086  # dpkg-query's syntax; one argument per package
deps=$(dpkg-query -W -f='${Depends}, ${Pre-Depends}\n' $listed 2>/dev/null || true)

# Builtins and keywords of the bash that runs the scripts.
builtins=$(compgen -b -k | sort -u)

LISTED=$listed BASE=$base DEPS=$deps BUILTINS=$builtins EXCEPTIONS=$exceptions VERBOSE=$verbose \
    /usr/bin/python3 -I - "$@" <<'PY'
import ast, os, re, shutil, subprocess, sys

FILES = sys.argv[1:]
LISTED = set(os.environ["LISTED"].split())
BASE = set(os.environ["BASE"].split())
DEPS = set()
for alt in re.split(r"[,|]", os.environ["DEPS"]):
    name = alt.strip().split(" ")[0].split(":")[0]
    if name:
        DEPS.add(name)
BUILTINS = set(os.environ["BUILTINS"].split())
EXCEPTIONS = dict(line.split("\t", 1) for line in os.environ["EXCEPTIONS"].splitlines() if "\t" in line)
VERBOSE = os.environ["VERBOSE"] == "1"
# The project's own programs (built by swift build, or scripts of this repository).
PROJECT = {"kinvm", "kube-standin", "kinvm-bench", "libvirt-c-bench"}
PROJECT |= {os.path.basename(f) for f in os.listdir("scripts")} | {os.path.basename(f) for f in os.listdir("Benchmarks")}
SYSTEM_PATH = "/usr/sbin:/usr/bin:/sbin:/bin"

ASSIGN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\[[^]]*\])?\+?=")
KEYWORDS_CMD = {"then", "do", "else", "elif", "if", "while", "until", "!", "{", "time"}
ENDERS = {"fi", "done", "}", "esac"}
PYTHON = re.compile(r"^(.*/)?python3(\.[0-9]+)?$|^\$\{?PY\}?$")


class Word:
    def __init__(self, raw, value, line):
        self.raw, self.value, self.line = raw, value, line


class Command:
    """One simple command: its words, heredocs, and its place in a pipeline."""
    def __init__(self, file, pipeline, index):
        self.words, self.heredocs, self.file = [], [], file
        self.pipeline, self.index = pipeline, index
        self.compound = False


class Parser:
    """Just enough of bash's grammar to find the commands a script runs, and its pipelines."""

    def __init__(self, text, file, line, out):
        self.s, self.i, self.line, self.file, self.out = text, 0, line, file, out

    # --- characters ---
    def peek(self, k=0):
        j = self.i + k
        return self.s[j] if j < len(self.s) else ""

    def startswith(self, t):
        return self.s.startswith(t, self.i)

    def take(self, n=1):
        t = self.s[self.i:self.i + n]
        self.line += t.count("\n")
        self.i += n
        return t

    # --- nested code ---
    def nested(self, end):
        """Parses a command list up to the `end` that closes it: ')' or '`'."""
        self.commands(end)

    def skip_balanced(self, opener, closer):
        """Skips to the matching closer (arithmetic, ${...}), parsing any $( ) inside."""
        depth = 1
        while self.i < len(self.s) and depth:
            if self.startswith("$(") and not self.startswith("$(("):
                self.take(2)
                self.nested(")")
                continue
            c = self.take()
            if c == "\\":
                self.take()
            elif c == "'" and opener == "{":
                while self.i < len(self.s) and self.peek() != "'":
                    self.take()
                self.take()
            elif c == opener:
                depth += 1
            elif c == closer:
                depth -= 1

    def dollar(self, buf):
        """After a '$': $( ), $(( )), ${ }, $' ', or a plain parameter."""
        if self.startswith("(("):
            self.take(2)
            self.skip_balanced("(", ")")
            self.skip_balanced("(", ")")
            buf.append("$((...))")
        elif self.startswith("("):
            self.take()
            self.nested(")")
            buf.append("$(...)")
        elif self.startswith("{"):
            start = self.i
            self.take()
            self.skip_balanced("{", "}")
            buf.append("$" + self.s[start:self.i])
        elif self.startswith("'"):
            self.take()
            while self.i < len(self.s) and self.peek() != "'":
                if self.peek() == "\\":
                    self.take()
                self.take()
            self.take()
            buf.append("$'...'")
        else:
            buf.append("$")

    # --- words ---
    def word(self, dbracket=False):
        """Reads one word; returns (raw, value) where value has quotes removed, $ kept."""
        start, buf = self.i, []
        meta = " \t\n" if dbracket else " \t\n;&|()<>"
        while self.i < len(self.s):
            c = self.peek()
            if c in meta:
                # foo=( ... ): an array assignment; its words may hold $( ).
                if c == "(" and not dbracket and ASSIGN.match("".join(buf)) and "".join(buf).endswith("="):
                    self.take()
                    self.array_literal()
                    buf.append("(...)")
                    continue
                # <( ) and >( ) inside a word.
                break
            if c == "\\":
                self.take()
                nxt = self.take()
                if nxt != "\n":
                    buf.append(nxt)
            elif c == "'":
                self.take()
                j = self.s.find("'", self.i)
                j = len(self.s) if j < 0 else j
                buf.append(self.take(j - self.i))
                self.take()
            elif c == '"':
                self.take()
                self.double_quoted(buf)
            elif c == "$":
                self.take()
                self.dollar(buf)
            elif c == "`":
                self.take()
                self.nested("`")
                buf.append("$(...)")
            else:
                buf.append(self.take())
        return self.s[start:self.i], "".join(buf)

    def double_quoted(self, buf):
        while self.i < len(self.s):
            c = self.take()
            if c == '"':
                return
            if c == "\\":
                buf.append(self.take())
            elif c == "$":
                self.dollar(buf)
            elif c == "`":
                self.nested("`")
                buf.append("$(...)")
            else:
                buf.append(c)

    def array_literal(self):
        while self.i < len(self.s):
            c = self.peek()
            if c in " \t\n":
                self.take()
            elif c == "#":
                self.skip_comment()
            elif c == ")":
                self.take()
                return
            else:
                self.word()
                if self.peek() in ";&|<>" and self.peek():
                    self.take()

    def skip_comment(self):
        while self.i < len(self.s) and self.peek() != "\n":
            self.take()

    # --- heredocs ---
    def read_heredocs(self, pending):
        """At a newline: the bodies of the heredocs started on the line before."""
        for cmd, delim, quoted, strip in pending:
            body_line, lines = self.line, []
            while self.i < len(self.s):
                j = self.s.find("\n", self.i)
                j = len(self.s) if j < 0 else j
                text = self.s[self.i:j]
                self.take(j - self.i + (1 if j < len(self.s) else 0))
                if (text.lstrip("\t") if strip else text) == delim:
                    break
                lines.append(text)
            body = "\n".join(lines)
            if cmd is not None:
                cmd.heredocs.append((body, body_line))
            if not quoted:
                # $( ) in an unquoted heredoc runs on the host.
                sub = Parser(body, self.file, body_line, self.out)
                while sub.i < len(sub.s):
                    if sub.startswith("\\"):
                        sub.take(2)
                    elif sub.startswith("$(") and not sub.startswith("$(("):
                        sub.take(2)
                        sub.nested(")")
                    else:
                        sub.take()
        pending.clear()

    # --- commands ---
    def commands(self, end=None):
        pipeline = []
        cmd = None
        pending = []          # heredocs to read at the next newline
        case_patterns = []    # a stack: True while the next thing is a case pattern
        state = {"dbracket": False, "for": False}

        def finish(end_pipeline):
            nonlocal cmd, pipeline
            if cmd is not None and (cmd.words or cmd.compound):
                if not cmd.compound:
                    self.out.append(cmd)
            cmd = None
            state["for"] = False
            if end_pipeline:
                pipeline = []

        def current():
            nonlocal cmd
            if cmd is None:
                pipeline.append(None)
                cmd = Command(self.file, pipeline, len(pipeline) - 1)
                pipeline[-1] = cmd
            return cmd

        while self.i < len(self.s):
            if case_patterns and case_patterns[-1] and cmd is None:
                # A case pattern, or esac.
                while self.peek() in " \t\n" and self.peek():
                    self.take()
                    if self.s[self.i - 1] == "\n" and pending:
                        self.read_heredocs(pending)
                if self.peek() == "#":
                    self.skip_comment()
                    continue
                if re.match(r"esac\b", self.s[self.i:]):
                    self.take(4)
                    case_patterns.pop()
                    current().compound = True
                    continue
                if self.peek() == "(":
                    self.take()
                depth = 0
                while self.i < len(self.s):
                    c = self.take()
                    if c == "\\":
                        self.take()
                    elif c in "'\"":
                        j = self.s.find(c, self.i)
                        self.take((len(self.s) if j < 0 else j) - self.i + 1)
                    elif c == "(":
                        depth += 1
                    elif c == ")":
                        if depth == 0:
                            break
                        depth -= 1
                case_patterns[-1] = False
                continue

            c = self.peek()
            if end == "`" and c == "`":
                self.take()
                finish(True)
                return
            if c in " \t":
                self.take()
                continue
            if self.startswith("\\\n"):
                self.take(2)
                continue
            if c == "\n":
                self.take()
                if pending:
                    self.read_heredocs(pending)
                if state["dbracket"]:
                    continue
                finish(True)
                continue
            if c == "#":
                self.skip_comment()
                continue
            if state["dbracket"]:
                if self.startswith("]]") and self.peek(2) in " \t\n;&|)":
                    self.take(2)
                    state["dbracket"] = False
                else:
                    self.word(dbracket=True)
                continue
            if c == ";":
                if self.startswith(";;&") or self.startswith(";;") or self.startswith(";&"):
                    self.take(3 if self.startswith(";;&") else 2)
                    finish(True)
                    if case_patterns:
                        case_patterns[-1] = True
                    continue
                self.take()
                finish(True)
                continue
            m = re.match(r"[0-9]*(<<<|<<-|<<|<&|>&|>>|&>>|&>|<>|>\||<(?!\()|>(?!\())", self.s[self.i:])
            if m and (m.group(0)[0] != "&" or m.group(1).startswith("&")):
                op = m.group(1)
                self.take(len(m.group(0)))
                while self.peek() in " \t" and self.peek():
                    self.take()
                raw, value = self.word()
                if op in ("<<", "<<-"):
                    pending.append((current(), value, raw != value, op == "<<-"))
                else:
                    current()
                continue
            if c == "&":
                self.take(2 if self.startswith("&&") else 1)
                finish(True)
                continue
            if c == "|":
                if self.startswith("||"):
                    self.take(2)
                    finish(True)
                else:
                    self.take(2 if self.startswith("|&") else 1)
                    finish(False)
                continue
            if c == "(":
                if cmd is not None and len(cmd.words) == 1 and re.match(r"\(\s*\)", self.s[self.i:]):
                    # NAME() { ...: a function definition.
                    self.out.append(("function", cmd.words[0].value))
                    self.take(re.match(r"\(\s*\)", self.s[self.i:]).end())
                    cmd.words = []
                    cmd = None
                    pipeline.pop()
                    continue
                if self.startswith("(("):
                    self.take(2)
                    self.skip_balanced("(", ")")
                    self.skip_balanced("(", ")")
                    if not state["for"]:
                        current().compound = True
                    continue
                self.take()
                self.nested(")")
                current().compound = True
                continue
            if c == ")":
                self.take()
                finish(True)
                if end == ")":
                    return
                continue
            # A word. Process substitution <( ) / >( ) first.
            if (c == "<" or c == ">") and self.peek(1) == "(":
                self.take(2)
                self.nested(")")
                current().words.append(Word("<(...)", "<(...)", self.line))
                continue
            line = self.line
            raw, value = self.word()
            if not raw:
                self.take()  # stray character
                continue
            first = cmd is None or (not cmd.words and not cmd.compound)
            if first and raw in KEYWORDS_CMD:
                continue
            if first and raw in ENDERS:
                if raw == "esac" and case_patterns:
                    case_patterns.pop()
                current().compound = True
                continue
            if first and raw in ("for", "select"):
                state["for"] = True
                current().compound = True
                continue
            if first and raw == "case":
                # case WORD in
                while self.peek() in " \t":
                    self.take()
                self.word()
                while self.peek() in " \t\n":
                    self.take()
                self.word()  # in
                case_patterns.append(True)
                continue
            if first and raw == "function":
                while self.peek() in " \t":
                    self.take()
                self.out.append(("function", self.word()[1]))
                continue
            if first and raw == "[[":
                state["dbracket"] = True
                current().compound = True
                continue
            if state["for"]:
                continue
            current().words.append(Word(raw, value, line))
        finish(True)


# --- what a simple command runs -------------------------------------------------------------
def opt_skip(words, i, with_arg):
    """Skips options (and the arguments of those in with_arg) from words[i]."""
    while i < len(words):
        v = words[i].value
        if v == "--":
            return i + 1
        if not v.startswith("-") or v == "-":
            return i
        i += 2 if (v in with_arg) else 1
    return i


def programs(words, sub):
    """(line, name) of the programs the words run, and the effective command's words.
    sub(code, line) parses shell code given as a string (sh -c, trap)."""
    found, eff = [], None
    i = 0
    while i < len(words) and ASSIGN.match(words[i].value):
        i += 1
    while i < len(words):
        w = words[i]
        name = w.value
        eff = words[i:]
        if name in ("exec", "nohup", "sudo", "builtin"):
            if name in ("nohup", "sudo"):
                found.append((w.line, name))
            i = opt_skip(words, i + 1, {"-a", "-u", "-g"})
            continue
        if name == "command":
            if i + 1 < len(words) and words[i + 1].value in ("-v", "-V"):
                found += [(x.line, x.value) for x in words[i + 2:]]
                return found, None
            i = opt_skip(words, i + 1, set())
            continue
        if name == "trap":
            if i + 1 < len(words) and words[i + 1].value not in ("-", "") and not words[i + 1].value.startswith("-"):
                sub(words[i + 1].value, words[i + 1].line)
            return found, eff
        if name in BUILTINS or name == "[":
            return found, eff
        found.append((w.line, name))
        base = os.path.basename(name)
        if base == "env":
            i = opt_skip(words, i + 1, {"-u", "-C", "-S"})
            while i < len(words) and ASSIGN.match(words[i].value):
                i += 1
        elif base == "nice":
            i = opt_skip(words, i + 1, {"-n"})
        elif base == "timeout":
            i = opt_skip(words, i + 1, {"-s", "-k"}) + 1
        elif base == "time":     # /usr/bin/time
            i = opt_skip(words, i + 1, {"-f", "-o"})
        elif base == "xargs":
            i = opt_skip(words, i + 1, {"-I", "-n", "-P", "-d", "-L", "-s", "-E", "-a"})
        elif base == "unshare":
            i = opt_skip(words, i + 1, {"--propagation", "-S", "-G", "-R", "-w", "--setuid", "--setgid", "--root", "--wd"})
        elif base == "nsenter":
            i = opt_skip(words, i + 1, {"-t", "--target", "-S", "-G", "--setuid", "--setgid", "--wd", "-w"})
        elif base == "ip":
            vals = [x.value for x in words[i + 1:i + 4]]
            if vals[:2] == ["netns", "exec"] and len(vals) == 3:
                i += 4
            else:
                return found, eff
        elif base == "find":
            execs = [j for j in range(i + 1, len(words)) if words[j].value in ("-exec", "-execdir", "-ok", "-okdir")]
            if not execs:
                return found, eff
            i = execs[0] + 1
        elif base in ("sh", "bash", "dash"):
            for j in range(i + 1, len(words) - 1):
                if re.match(r"^-[a-z]*c[a-z]*$", words[j].value):
                    sub(words[j + 1].value, words[j + 1].line)
                    break
            return found, eff
        else:
            # chroot runs its command in another root; anything else takes no command.
            return found, eff
    return found, eff


def main():
    problems, report = [], []
    common_funcs = set()
    parsed = {}
    py_snippets = []   # (file, line, code)

    def parse(path):
        text = open(path).read()
        out = []
        Parser(text, path, 1, out).commands()
        # Shell code inside strings (sh -c '...', trap '...'), parsed where it is found.
        i = 0
        funcs = set()
        while i < len(out):
            item = out[i]
            i += 1
            if isinstance(item, tuple):
                funcs.add(item[1])
                continue
            cmd = item

            def sub(code, line, out=out, path=path):
                Parser(code, path, line, out).commands()
            cmd.found, cmd.eff = programs(cmd.words, sub)
            if cmd.eff and PYTHON.match(cmd.eff[0].value):
                vals = [w.value for w in cmd.eff]
                if "-c" in vals and vals.index("-c") + 1 < len(vals):
                    k = vals.index("-c") + 1
                    py_snippets.append((path, cmd.eff[k].line, vals[k]))
                for body, line in cmd.heredocs:
                    py_snippets.append((path, line, body))
        return text, out, funcs

    for path in ["scripts/common.sh"] + [f for f in FILES if not f.endswith(".py")]:
        if path in parsed:
            continue
        parsed[path] = parse(path)
    common_funcs = parsed["scripts/common.sh"][2]

    calls = {}   # name -> [(file, line)]
    for path, (text, out, funcs) in parsed.items():
        if path not in FILES and path != "scripts/common.sh":
            continue
        known = funcs | common_funcs
        pipefail = path == "scripts/common.sh" or re.search(r"^\s*set\s+-[a-zA-Z]*o\s+pipefail|^\s*set\s+-o\s+pipefail", text, re.M)
        for cmd in out:
            if isinstance(cmd, tuple):
                continue
            for line, name in cmd.found:
                if not name or "$" in name or name in known or name in BUILTINS or name in PROJECT:
                    continue
                if "/" in name and not name.startswith("/"):
                    continue   # a relative path: the project's own files
                calls.setdefault(name, []).append((path, line))
            # The pipefail lint: a reader that stops early, after a '|'.
            if pipefail and cmd.index > 0 and cmd.eff:
                prog = os.path.basename(cmd.eff[0].value)
                opts = [w.value for w in cmd.eff[1:] if w.value.startswith("-")]
                early = prog == "head" or (prog in ("grep", "egrep", "fgrep") and any(
                    o in ("--quiet", "--silent") or o.startswith("--max-count")
                    or (not o.startswith("--") and ("q" in o or "m" in o)) for o in opts))
                if early:
                    problems.append((path, cmd.eff[0].line,
                        f"'{' '.join(w.value for w in cmd.eff[:3])} ...' after a '|' under pipefail: it can exit "
                        "before the writer is done (SIGPIPE makes the pipeline false); capture the output first"))

    # Python imports: Benchmarks/*.py and the code given to /usr/bin/python3.
    for path in FILES:
        if path.endswith(".py"):
            py_snippets.append((path, 1, open(path).read()))
    modules = {}
    for path, line, code in py_snippets:
        try:
            tree = ast.parse(code)
        except SyntaxError as e:
            problems.append((path, line, f"Python code that does not parse: {e.msg}"))
            continue
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for n in names:
                top = n.split(".")[0]
                if top not in sys.stdlib_module_names:
                    modules.setdefault(top, []).append((path, line + getattr(node, "lineno", 1) - 1))

    # --- resolve to packages ---
    def swap(p):
        for a, b in (("/usr/bin/", "/bin/"), ("/usr/sbin/", "/sbin/"), ("/usr/lib/", "/lib/")):
            if p.startswith(a):
                return b + p[len(a):]
            if p.startswith(b):
                return a + p[len(b):]
        return p

    def candidates(path):
        """The path, then with merged /usr undone, then behind its links (alternatives)."""
        cands = []
        for p in (path, os.path.realpath(path)):
            for q in (p, swap(p)):
                if q not in cands:
                    cands.append(q)
        return cands

    owners, asked = {}, set()   # path -> [package], from one dpkg-query call for many paths
    def look_up(paths):
        paths = sorted({q for p in paths for q in candidates(p)} - asked)
        if not paths:
            return
        asked.update(paths)
        r = subprocess.run(["dpkg-query", "-S"] + paths, capture_output=True, text=True)
        for out_line in r.stdout.splitlines():
            pkgs, _, file = out_line.partition(": ")
            if file in paths and not pkgs.startswith("diversion"):
                owners[file] = [p.strip().split(":")[0] for p in pkgs.split(",")]

    def owner(path):
        look_up([path])
        for q in candidates(path):
            if q in owners:
                return owners[q]
        return None

    def accepted(pkgs):
        for p in pkgs:
            if p in LISTED:
                return p, "listed"
            if p in BASE:
                return p, "every Debian"
            if p in DEPS:
                return p, "a dependency of a listed package"
        return None, None

    def where(sites):
        return f"{sites[0][0]}:{sites[0][1]}"

    resolved = {n: (n if n.startswith("/") else shutil.which(n, path=SYSTEM_PATH)) for n in calls if n not in EXCEPTIONS}
    look_up([p for p in resolved.values() if p and os.path.exists(p)])
    for name, sites in sorted(calls.items()):
        if name in EXCEPTIONS:
            report.append(f"{name}: exception ({EXCEPTIONS[name]})")
            continue
        path = resolved[name]
        if not path or not os.path.exists(path):
            for f, l in sites:
                problems.append((f, l, f"'{name}' is not on this machine: add the package that provides it to setup-host.sh's PACKAGES"))
            continue
        pkgs = owner(path)
        if not pkgs:
            for f, l in sites:
                problems.append((f, l, f"'{name}' ({path}) belongs to no Debian package: install it through setup-host.sh, or add an exception with its reason"))
            continue
        pkg, why = accepted(pkgs)
        if pkg is None:
            for f, l in sites:
                problems.append((f, l, f"'{name}' comes from package {', '.join(pkgs)}, which setup-host.sh does not install: add it to PACKAGES"))
            continue
        report.append(f"{name}: {pkg} ({why}), {len(sites)} call(s), first at {where(sites)}")

    import importlib.util
    for mod, sites in sorted(modules.items()):
        spec = importlib.util.find_spec(mod)
        origin = spec.origin if spec else None
        if not origin or not os.path.exists(origin):
            for f, l in sites:
                problems.append((f, l, f"Python module '{mod}' is not importable by /usr/bin/python3: add its python3-* package to PACKAGES"))
            continue
        pkgs = owner(origin)
        pkg, why = accepted(pkgs or [])
        if pkg is None:
            for f, l in sites:
                problems.append((f, l, f"Python module '{mod}' ({origin}) is from {', '.join(pkgs) if pkgs else 'no Debian package'}, which setup-host.sh does not install"))
            continue
        report.append(f"python module {mod}: {pkg} ({why}), first at {where(sites)}")

    if VERBOSE:
        for r in report:
            print(f"check-tools.sh: {r}", file=sys.stderr)
    for f, l, msg in sorted(set(problems)):
        print(f"{f}:{l}: {msg}", file=sys.stderr)
    print(f"check-tools.sh: {len(FILES)} files, {len(calls)} programs and {len(modules)} Python modules checked, "
          f"{len(set(problems))} problem(s)", file=sys.stderr)
    return 1 if problems else 0


sys.exit(main())
PY
