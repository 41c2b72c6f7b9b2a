"""End-to-end proxy benchmark: `aidlp run` vs bare mitmproxy, same upstream, same load, one run.

Both proxies run in reverse mode in front of a local nginx (TLS, loopback) that answers every
POST with a small chat-completion JSON. wrk drives each with 2 KB chat-completion bodies, a
mix of clean prompts and prompts carrying identifiers, from N concurrent connections.

Both proxies run side by side and wrk alternates between them in slices (--rounds per phase,
ABBA order), so the shared machine's drifting load hits both alike. Two phases: saturation
(back-to-back requests: throughput) and paced (each connection waits --think-ms between
requests: latency without queueing). Prints requests/s for each, their ratio, latency p50/p99
(median over slices) and the latency aidlp adds; the longest event-loop stalls during the
load, from aidlp's /metrics: aidlp's own steps on the loop (``aidlp_loop_hold_seconds``) and
the loop's lateness from any cause; the inline/worker split of the scans; the RSS of the
proxy and its workers after the run; the load average before, between and after. Then the usage register's cost: aidlp and "aidlp+register" (the register on: SQLite sink,
subject hashes in the workers) run side by side and wrk alternates between them in short
slices (--ab-rounds x --ab-slice seconds each), so drifting background load hits both alike;
it prints each slice's req/s, the median ratio, the rows written and the register queue's
drops (skip it with --no-register).

    uv run python bench/bench_proxy.py [--duration 20] [--rounds 4] [--connections 20] [--workers N] [--no-register]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import trustme

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.e2e.harness import free_port, wait_for_port

CLEAN = (
    "Draft a short, friendly reminder to the team that the quarterly planning session moves "
    "to Thursday at 10:00 in room 4.12, and ask them to bring their updated roadmaps. "
)
IDENTIFIER = (
    "Please summarise this case note. Claimant Sarah Jones, NI number JK 48 29 17 C, "
    "date of birth 14/03/1981, lives at 12 Acacia Avenue, Leeds LS6 2AB. "
)


def chat_body(text: str, size: int = 2048) -> str:
    filler = (text * (size // len(text) + 1))[: size - 120]
    return json.dumps({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": filler}]})


NGINX_CONF = """
worker_processes 1;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  client_body_buffer_size 64k;
  client_body_temp_path {tmp}/body;
  proxy_temp_path {tmp}/proxy; fastcgi_temp_path {tmp}/fcgi; uwsgi_temp_path {tmp}/uwsgi; scgi_temp_path {tmp}/scgi;
  server {{
    listen 127.0.0.1:{port} ssl http2;
    ssl_certificate {cert}; ssl_certificate_key {key};
    location / {{
      default_type application/json;
      return 200 '{{"id":"chatcmpl-bench","object":"chat.completion","choices":[{{"index":0,"message":{{"role":"assistant","content":"ok"}},"finish_reason":"stop"}}]}}';
    }}
  }}
}}
"""

WRK_SCRIPT = """
local think = {think}
if think > 0 then
  delay = function() return think end
end
local bodies = {{{bodies}}}
local i = 0
request = function()
  i = i + 1
  return wrk.format("POST", "/v1/chat/completions", {{["Content-Type"]="application/json", ["Host"]="api.openai.com"}}, bodies[(i % #bodies) + 1])
end
"""


def start(
    args: list[str], log: Path, env: dict[str, str] | None = None, cwd: Path = ROOT
) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        args,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        env={**os.environ, **(env or {})},
        start_new_session=True,
        cwd=cwd,
    )


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def run_wrk(port: int, script: Path, duration: int, connections: int) -> dict[str, float]:
    out = subprocess.run(
        [
            "wrk",
            "-t",
            "2",
            "-c",
            str(connections),
            "-d",
            f"{duration}s",
            "--latency",
            "-s",
            str(script),
            f"http://127.0.0.1:{port}",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout

    def latency(label: str) -> float:
        match = re.search(rf"^\s+{label}\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors:.*", out)
    return {
        "rps": rps,
        "p50": latency("50%"),
        "p99": latency("99%"),
        "non2xx": int(non2xx.group(1)) if non2xx else 0,
        "errors": errors.group(0) if errors else "",
        "raw": out,
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument(
        "--workers", type=int, default=None, help="aidlp scan workers (default: config)"
    )
    parser.add_argument("--identifier-share", type=float, default=0.25)
    parser.add_argument("--no-register", action="store_true", help="skip the register A/B phase")
    parser.add_argument("--ab-rounds", type=int, default=5)
    parser.add_argument("--ab-slice", type=int, default=6, help="seconds per A/B slice")
    parser.add_argument(
        "--rounds", type=int, default=4, help="alternating slices per phase (duration split)"
    )
    parser.add_argument(
        "--compare-inline",
        action="store_true",
        help="also run aidlp with the two-stage scan on (workers.inline_scan_chars: 4096)",
    )
    parser.add_argument(
        "--compare-tree",
        type=Path,
        default=None,
        help="also run the aidlp of another checkout (its .venv, e.g. a copy of main before a "
        "change) side by side, as 'aidlp baseline': an A/B of two versions in one run",
    )
    parser.add_argument(
        "--think-ms",
        type=int,
        default=250,
        help="latency phase: each connection waits this long between requests",
    )
    options = parser.parse_args()
    for tool in ("wrk", "nginx"):
        if not shutil.which(tool) and not Path(f"/usr/sbin/{tool}").exists():
            sys.exit(f"{tool} is required (apt-get install wrk nginx-light)")
    tmp = Path(tempfile.mkdtemp(prefix="aidlp-bench-"))
    ca = trustme.CA()
    leaf = ca.issue_cert("api.openai.com", "127.0.0.1")
    ca.cert_pem.write_to_path(str(tmp / "ca.pem"))
    leaf.cert_chain_pems[0].write_to_path(str(tmp / "cert.pem"))
    leaf.private_key_pem.write_to_path(str(tmp / "key.pem"))
    upstream_port = free_port()
    (tmp / "nginx.conf").write_text(
        NGINX_CONF.format(tmp=tmp, port=upstream_port, cert=tmp / "cert.pem", key=tmp / "key.pem")
    )
    nginx = start(
        [shutil.which("nginx") or "/usr/sbin/nginx", "-c", str(tmp / "nginx.conf"), "-p", str(tmp)],
        tmp / "nginx.out",
    )
    n_ident = max(1, round(10 * options.identifier_share))
    bodies = [chat_body(IDENTIFIER)] * n_ident + [chat_body(CLEAN)] * (10 - n_ident)
    lua_bodies = ", ".join(json.dumps(b) for b in bodies)
    script = tmp / "bodies.lua"
    script.write_text(WRK_SCRIPT.format(bodies=lua_bodies, think=0))
    paced = tmp / "paced.lua"
    paced.write_text(WRK_SCRIPT.format(bodies=lua_bodies, think=options.think_ms))
    config = tmp / "aidlp.yaml"
    config.write_text("")
    if options.workers:
        config.write_text(f"workers:\n  processes: {options.workers}\n")
    register_config = tmp / "aidlp-register.yaml"
    (tmp / "subject.key").write_text(os.urandom(32).hex())
    register_config.write_text(
        config.read_text()
        + f"register:\n  directory: {tmp / 'register'}\n"
        + f"  subjects: {{key_file: {tmp / 'subject.key'}}}\n"
    )
    bin_dir = Path(sys.executable).parent
    # Reverse mode straight at nginx; the Host header (api.openai.com) is kept, so aidlp
    # classifies the traffic as OpenAI's and scans it.
    reverse = f"reverse:https://127.0.0.1:{upstream_port}@{{port}}"
    env: dict[str, str] = {}
    common = [
        "--set",
        f"ssl_verify_upstream_trusted_ca={tmp / 'ca.pem'}",
        "--set",
        f"confdir={tmp}",
        "--set",
        "keep_host_header=true",
    ]
    names: tuple[str, ...] = ("bare mitmproxy", "aidlp")
    inline_on = tmp / "aidlp-inline-on.yaml"
    workers = f"  processes: {options.workers}\n" if options.workers else ""
    inline_on.write_text(f"workers:\n{workers}  inline_scan_chars: 4096\n")
    if options.compare_inline:
        names += ("aidlp inline on",)
    if options.compare_tree:
        names += ("aidlp baseline",)
    slices: dict[str, dict[str, list[dict]]] = {n: {"saturation": [], "paced": []} for n in names}
    load = [os.getloadavg()[0]]
    try:
        assert wait_for_port(upstream_port, 10), "nginx did not start"
        procs: dict[str, tuple[subprocess.Popen[bytes], int, Path]] = {}
        metrics_port = free_port()
        for name in names:
            port = free_port()
            log = tmp / f"{name.replace(' ', '-').replace('-mitmproxy', '')}.log"
            cwd, bins = ROOT, bin_dir
            if name == "aidlp baseline":
                cwd, bins = (
                    options.compare_tree.resolve(),
                    options.compare_tree.resolve() / ".venv/bin",
                )
            if name.startswith("aidlp"):
                cfg = inline_on if name == "aidlp inline on" else config
                mport = metrics_port if name == "aidlp" else free_port()
                args = [str(bins / "aidlp"), "run", "--config", str(cfg), "--metrics-port",
                        str(mport), "--", "--mode", reverse.format(port=port), *common]  # fmt: skip
            else:
                args = [str(bins / "mitmdump"), "--mode", reverse.format(port=port), "--set",
                        "flow_detail=0", *common]  # fmt: skip
            procs[name] = (start(args, log, env, cwd), port, log)
        for name, (proc, port, log) in procs.items():
            if name.startswith("aidlp"):
                wait_ready(proc, port, log, name)
            else:
                assert wait_for_port(port, 60), f"{name} did not start"
            run_wrk(port, script, 3, options.connections)  # warm-up
        before = scrape(metrics_port)
        # Both proxies run side by side; wrk alternates between them in slices, ABBA order,
        # so the machine's drifting background load hits both alike.
        piece = max(2, options.duration // options.rounds)
        for phase, lua in (("saturation", script), ("paced", paced)):
            for round_no in range(options.rounds):
                for name in names if round_no % 2 == 0 else names[::-1]:
                    cpu_before = cpu_seconds(procs[name][0].pid, tree=True)
                    r = run_wrk(procs[name][1], lua, piece, options.connections)
                    cpu_after = cpu_seconds(procs[name][0].pid, tree=True)
                    served = max(1.0, r["rps"] * piece)
                    r["cpu"] = tuple(
                        (b - a) * 1000 / served for a, b in zip(cpu_before, cpu_after, strict=True)
                    )
                    slices[name][phase].append(r)
            load.append(os.getloadavg()[0])
        after = scrape(metrics_port)
        aidlp_proc = procs["aidlp"][0]
        rss = subprocess.run(
            ["ps", "-o", "rss=", "--ppid", str(aidlp_proc.pid), "-p", str(aidlp_proc.pid)],
            capture_output=True,
            text=True,
        ).stdout.split()
        rss_mb = sum(int(x) for x in rss) / 1024
        for proc, _, _ in procs.values():
            stop(proc)
        if not options.no_register:
            ab = register_ab(
                options, bin_dir, common, reverse, config, register_config, script, tmp, env
            )
    finally:
        for proc, _, _ in locals().get("procs", {}).values():
            stop(proc)
        stop(nginx)
    print(
        f"\n2 KB chat-completion POSTs, {options.connections} connections, {n_ident}/10 bodies "
        f"carry identifiers (aidlp blocks them with 403); both proxies up side by side, wrk "
        f"alternating between them in {options.rounds} slices of {piece}s per phase (ABBA); "
        f"load average {' -> '.join(f'{x:.1f}' for x in load)} (cpus={os.cpu_count()})\n"
    )
    summary = {n: {ph: summarise_slices(v) for ph, v in slices[n].items()} for n in names}
    for phase in ("saturation", "paced"):
        label = "saturation" if phase == "saturation" else f"paced ({options.think_ms} ms think)"
        print(
            f"{label}: {'proxy':<16}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'non-2xx':>9}"
            f"{'CPU ms/req':>12}{'workers':>9}"
        )
        for name in names:
            r = summary[name][phase]
            print(
                f"{'':>{len(label) + 2}}{name:<16}{r['rps']:>9.1f}{r['p50']:>9.2f}"
                f"{r['p99']:>9.2f}{r['non2xx']:>9}{r['cpu'][0]:>12.3f}{r['cpu'][1]:>9.3f}"
            )
    bare, ours = summary["bare mitmproxy"], summary["aidlp"]
    pair_ratios = [
        a["rps"] / b["rps"]
        for a, b in zip(
            slices["aidlp"]["saturation"], slices["bare mitmproxy"]["saturation"], strict=True
        )
        if b["rps"]
    ]
    print(
        f"\nthroughput ratio aidlp / bare mitmproxy at saturation: "
        f"{ours['saturation']['rps'] / bare['saturation']['rps']:.2f} (goal >= 0.80; slice pairs "
        f"{' '.join(f'{x:.2f}' for x in pair_ratios)})"
    )
    sat = {n: summary[n]["saturation"]["cpu"] for n in names}
    print(
        "CPU per request at saturation (median over slices; proxy process + its workers): "
        + ", ".join(f"{n} {sum(c):.3f} ms" for n, c in sat.items())
        + f"; CPU ratio bare / aidlp {sum(sat['bare mitmproxy']) / max(1e-9, sum(sat['aidlp'])):.2f}"
    )
    if "aidlp inline on" in summary:
        off = summary["aidlp inline on"]
        print(
            f"with the two-stage scan on (workers.inline_scan_chars: 4096): ratio "
            f"{off['saturation']['rps'] / bare['saturation']['rps']:.2f}, paced added p50 "
            f"{off['paced']['p50'] - bare['paced']['p50']:+.2f} ms, "
            f"p99 {off['paced']['p99'] - bare['paced']['p99']:+.2f} ms"
        )
    if "aidlp baseline" in summary:
        base = summary["aidlp baseline"]
        print(
            f"aidlp baseline ({options.compare_tree}): ratio "
            f"{base['saturation']['rps'] / bare['saturation']['rps']:.2f}, paced added p50 "
            f"{base['paced']['p50'] - bare['paced']['p50']:+.2f} ms, "
            f"p99 {base['paced']['p99'] - bare['paced']['p99']:+.2f} ms"
        )
    bp, op = bare["paced"], ours["paced"]
    print(
        f"added latency, paced: p50 {op['p50'] - bp['p50']:+.2f} ms (goal <= 2), "
        f"p99 {op['p99'] - bp['p99']:+.2f} ms (goal <= 10)  [median over slices]"
    )
    print_stalls(before, after)
    print(f"aidlp RSS (proxy + scan workers) after the run: {rss_mb:.0f} MB")
    blocked = sum(
        1 for line in (tmp / "aidlp.log").read_text().splitlines() if '"decision":"block"' in line
    )
    print(f"aidlp blocked {blocked} requests (expected about {n_ident / 10:.0%} of its total)")
    if not options.no_register:
        print_register_ab(ab, options, tmp)
    for name in names:
        errors = {r["errors"] for ph in slices[name].values() for r in ph if r["errors"]}
        for e in sorted(errors):
            print(f"{name}: {e}")
    return 0


def summarise_slices(results: list[dict]) -> dict:
    """Req/s over all slices; p50/p99: the median of the slices' figures."""
    import statistics

    return {
        "cpu": tuple(statistics.median(r["cpu"][i] for r in results) for i in (0, 1)),
        "rps": statistics.mean(r["rps"] for r in results),
        "p50": statistics.median(r["p50"] for r in results),
        "p99": statistics.median(r["p99"] for r in results),
        "non2xx": sum(r["non2xx"] for r in results),
    }


def scrape(metrics_port: int) -> dict[str, float]:
    """aidlp's /metrics as {series: value} (labels kept in the series name)."""
    import urllib.request

    with urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=10) as r:
        text = r.read().decode()
    out = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            series, _, value = line.rpartition(" ")
            out[series] = float(value)
    return out


def _histogram_delta(before: dict, after: dict, name: str) -> tuple[float, list[tuple[str, float]]]:
    """Observations of histogram ``name`` between two scrapes: (count, [(le, cumulative)])."""
    buckets = []
    for series, value in after.items():
        if series.startswith(f"{name}_bucket{{"):
            le = series.split('le="', 1)[1].split('"', 1)[0]
            buckets.append((le, value - before.get(series, 0.0)))
    buckets.sort(key=lambda b: float("inf") if b[0] == "+Inf" else float(b[0]))
    count = after.get(f"{name}_count", 0.0) - before.get(f"{name}_count", 0.0)
    return count, buckets


def print_stalls(before: dict, after: dict) -> None:
    """The longest event-loop stalls during the measured phases: aidlp's own steps
    (``aidlp_loop_hold_seconds``) and the loop's lateness from any cause (lag sampler)."""
    for name, label in (
        ("aidlp_loop_hold_seconds", "aidlp's steps on the loop"),
        ("aidlp_event_loop_lag_seconds", "loop lag, any cause (20 ms sampler)"),
    ):
        count, buckets = _histogram_delta(before, after, name)
        if not count:
            print(f"{label}: no observations")
            continue
        longest = next((le for le, c in buckets if c >= count), "+Inf")
        over_1ms = count - next((c for le, c in buckets if le == "0.001"), 0.0)
        print(
            f"{label}: {count:.0f} observed during the load, longest <= {longest} s, "
            f"{over_1ms:.0f} over 1 ms ({over_1ms / count:.2%})"
        )
    print(
        f"  since start: longest aidlp step {after.get('aidlp_loop_hold_max_seconds', 0) * 1000:.2f} ms, "
        f"longest inline scan {after.get('aidlp_inline_scan_max_seconds', 0) * 1000:.2f} ms, "
        f"longest loop lag {after.get('aidlp_event_loop_lag_max_seconds', 0) * 1000:.2f} ms"
    )
    stages = {
        o: after.get(f'aidlp_inline_scans{{outcome="{o}"}}', 0.0)
        - before.get(f'aidlp_inline_scans{{outcome="{o}"}}', 0.0)
        for o in ("inline", "declined", "over_budget")
    }
    print(
        f"  scans during the load: {stages['inline']:.0f} inline, {stages['declined']:.0f} "
        f"declined (names/code: worker), {stages['over_budget']:.0f} over budget (worker)"
    )


def wait_ready(proc: subprocess.Popen[bytes], port: int, log: Path, name: str) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"{name} exited:\n{log.read_text()}")
        if wait_for_port(port, 0.5) and "workers ready" in log.read_text():
            return
    sys.exit(f"{name} not ready:\n{log.read_text()}")


def register_ab(options, bin_dir, common, reverse, config, register_config, script, tmp, env):
    """aidlp and aidlp+register side by side; wrk alternates between them slice by slice."""
    procs: dict[str, tuple[subprocess.Popen[bytes], int, int, Path]] = {}
    rps: dict[str, list[float]] = {"aidlp": [], "aidlp+register": []}
    non2xx = dict.fromkeys(rps, 0)
    cpu = {name: [0.0, 0.0] for name in rps}  # ms CPU per request: proxy process, scan workers
    try:
        for name, cfg in (("aidlp", config), ("aidlp+register", register_config)):
            port, metrics_port = free_port(), free_port()
            log = tmp / f"ab-{name}.log"
            args = [str(bin_dir / "aidlp"), "run", "--config", str(cfg), "--metrics-port",
                    str(metrics_port), "--", "--mode", reverse.format(port=port), *common]  # fmt: skip
            procs[name] = (start(args, log, env), port, metrics_port, log)
        for name, (proc, port, _, log) in procs.items():
            wait_ready(proc, port, log, name)
            run_wrk(port, script, 3, options.connections)  # warm-up
        names = list(procs)
        for round_no in range(options.ab_rounds):
            for name in names if round_no % 2 == 0 else names[::-1]:  # ABBA order
                proc, port = procs[name][0], procs[name][1]
                before = cpu_seconds(proc.pid)
                r = run_wrk(port, script, options.ab_slice, options.connections)
                after = cpu_seconds(proc.pid)
                served = max(1.0, r["rps"] * options.ab_slice)
                rps[name].append(r["rps"])
                cpu[name][0] += (after[0] - before[0]) * 1000 / served / options.ab_rounds
                cpu[name][1] += (after[1] - before[1]) * 1000 / served / options.ab_rounds
                non2xx[name] += r["non2xx"]
        drops = register_drops(procs["aidlp+register"][2])
        overloaded = {n: p[3].read_text().count('"reason":"overloaded"') for n, p in procs.items()}
    finally:
        for proc, *_ in procs.values():
            stop(proc)
    return {"rps": rps, "non2xx": non2xx, "drops": drops, "overloaded": overloaded, "cpu": cpu}


def cpu_seconds(pid: int, tree: bool = False) -> tuple[float, float]:
    """CPU seconds (user + system) of a process and, apart, of its direct children (with
    ``tree``: of all its descendants: scan workers are forked by the template process)."""
    tick = os.sysconf("SC_CLK_TCK")

    def stat(p: str) -> list[str] | None:
        try:
            return Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None

    own = stat(str(pid))
    main = (int(own[11]) + int(own[12])) / tick if own else 0.0
    parents: dict[int, tuple[int, float]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = stat(entry.name)
            if fields:
                parents[int(entry.name)] = (
                    int(fields[1]),
                    (int(fields[11]) + int(fields[12])) / tick,
                )
    wanted, children = {pid}, 0.0
    grew = True
    while grew:
        grew = False
        for child, (parent, cpu) in parents.items():
            if parent in wanted and child not in wanted and (tree or parent == pid):
                wanted.add(child)
                children += cpu
                grew = True
    return main, children


def print_register_ab(ab, options, tmp: Path) -> None:
    import statistics

    from proxy.register.store import RegisterStore

    store = RegisterStore(tmp / "register")
    rows = store.count()
    hashed = store.db.execute("SELECT COUNT(*) FROM subjects").fetchone()[0]
    store.close()
    a, b = ab["rps"]["aidlp"], ab["rps"]["aidlp+register"]
    ratios = [y / x for x, y in zip(a, b, strict=True) if x]
    print(
        f"\nusage register cost: aidlp vs aidlp+register side by side, {options.connections} "
        f"connections, {options.ab_rounds} alternating slices of {options.ab_slice}s each"
    )
    print(f"{'proxy':<16}{'median req/s':>14}{'CPU ms/req':>12}{'workers':>9}  slices (ABBA order)")
    for name, values in ab["rps"].items():
        slices = " ".join(f"{v:.0f}" for v in values)
        main_ms, worker_ms = ab["cpu"][name]
        print(
            f"{name:<16}{statistics.median(values):>14.1f}{main_ms:>12.2f}{worker_ms:>9.2f}  {slices}"
        )
    print(
        f"throughput ratio aidlp+register / aidlp: median {statistics.median(ratios):.3f} "
        f"(slices {min(ratios):.2f}-{max(ratios):.2f}); non-2xx {ab['non2xx']['aidlp']} vs "
        f"{ab['non2xx']['aidlp+register']}; failed closed as overloaded {ab['overloaded']['aidlp']} "
        f"vs {ab['overloaded']['aidlp+register']}"
    )
    print(
        f"register rows written {rows} ({hashed} subject hashes); register queue drops {ab['drops']:.0f}"
    )


def register_drops(metrics_port: int) -> float:
    """aidlp_event_drops_total for the register sink, from the proxy's /metrics."""
    import urllib.request

    with urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=10) as r:
        text = r.read().decode()
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith("aidlp_event_drops_total{") and 'sink="register"' in line
    )


if __name__ == "__main__":
    sys.exit(main())
