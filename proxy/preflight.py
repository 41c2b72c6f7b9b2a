"""Pre-flight: everything ``aidlp run`` needs, checked before it listens.

``aidlp run`` refuses to start (exit 2) on an error here, and ``aidlp config check`` reports
the same problems, so a config that passes the check does not fail after the proxy has
started listening. Each problem names the config key, the config file that set it and the
file or address at fault. Nothing here loads a model or starts a worker: it checks that the
things the workers will load are there and readable.
"""

from __future__ import annotations

import errno
import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from proxy.config import LoadedConfig
from proxy.events.sinks.webhook import WebhookSinkSettings


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing ``run`` would trip over. ``fatal`` problems stop ``run``."""

    key: str
    message: str
    fatal: bool = True
    source: str | None = None  # the config file the key comes from

    def __str__(self) -> str:
        where = f" ({self.source})" if self.source else ""
        return f"{self.key}{where}: {self.message}"


def _source(loaded: LoadedConfig) -> str:
    return loaded.sources[-1]


def check_files(loaded: LoadedConfig, environ: Mapping[str, str] | None = None) -> list[Problem]:
    """Files and packages the proxy and its scan workers load at start-up."""
    env = os.environ if environ is None else environ
    config = loaded.config
    source = _source(loaded)
    problems: list[Problem] = []

    detectors = config.detectors
    if detectors.fingerprint_index and detectors.code.enabled:
        from detectors.code.index import FingerprintIndex, FingerprintIndexError

        try:
            FingerprintIndex.load(detectors.fingerprint_index)
        except FileNotFoundError:
            problems.append(
                Problem(
                    "detectors.fingerprint_index",
                    f"{detectors.fingerprint_index}: no such file "
                    "(build it with `aidlp fingerprint build`)",
                    source=source,
                )
            )
        except (FingerprintIndexError, OSError, ValueError) as exc:
            problems.append(Problem("detectors.fingerprint_index", _reason(exc), source=source))

    from detectors.spacy_model import model_path

    try:
        model_path(detectors.spacy_model)
    except FileNotFoundError as exc:
        problems.append(
            Problem(
                "detectors.spacy_model",
                f"{exc}; install it (it is pinned in uv.lock: `uv sync --locked`) or point "
                "detectors.spacy_model at a model directory",
                source=source,
            )
        )

    events = config.events
    if events.hmac_key_file:
        from proxy.events.content_hmac import HmacKeyError, load_key

        try:
            load_key(events.hmac_key_file, dict(env))
        except HmacKeyError as exc:
            problems.append(
                Problem(
                    "events.hmac_key_file",
                    _strip_key(str(exc), "events.hmac_key_file"),
                    source=source,
                )
            )
    if events.file.path:
        directory = Path(events.file.path).parent
        if not directory.is_dir():
            problems.append(
                Problem("events.file.path", f"{directory}: no such directory", source=source)
            )
        elif not os.access(directory, os.W_OK):
            problems.append(
                Problem("events.file.path", f"{directory}: not writable", source=source)
            )

    webhook = events.webhook
    if webhook.url:
        has_token, missing = _webhook_token(webhook, env, problems, source)
        if not has_token:
            problems.append(
                Problem(
                    "events.webhook",
                    f"{missing}: events will be sent without a token and the collector will "
                    "probably reject them (each drop is counted in aidlp_event_drops_total)",
                    fatal=False,
                    source=source,
                )
            )
    return problems


def _webhook_token(
    webhook: WebhookSinkSettings,
    env: Mapping[str, str],
    problems: list[Problem],
    source: str,
) -> tuple[bool, str]:
    """(a token is there, or an unreadable file was already reported; what is missing)."""
    if webhook.token_file:
        try:
            present = bool(Path(webhook.token_file).read_text(encoding="utf-8").strip())
        except OSError as exc:
            problems.append(
                Problem(
                    "events.webhook.token_file",
                    f"{webhook.token_file}: cannot read: {exc.strerror or exc}",
                    source=source,
                )
            )
            return True, ""
        return present, f"token_file {webhook.token_file} is empty"
    if webhook.token_env:
        return bool(env.get(webhook.token_env)), f"${webhook.token_env} is not set"
    return False, "neither token_file nor token_env is set"


def check_ports(
    addresses: Mapping[str, tuple[str, int]], *, fatal: bool = True, source: str | None = None
) -> list[Problem]:
    """Each ``key → (host, port)`` must be free to listen on (port 0 always is)."""
    problems = []
    for key, (host, port) in addresses.items():
        if port == 0:
            continue
        reason = _bind_error(host, port)
        if reason is not None:
            problems.append(
                Problem(key, f"cannot listen on {host}:{port}: {reason}", fatal, source)
            )
    return problems


def _bind_error(host: str, port: int) -> str | None:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        infos = socket.getaddrinfo(host or None, port, family, socket.SOCK_STREAM)
    except socket.gaierror as exc:
        return f"cannot resolve {host!r}: {exc.strerror}"
    for *_, address in infos[:1]:
        with socket.socket(family, socket.SOCK_STREAM) as sock:
            # the same option the proxy's and the metrics server's sockets use
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind(address)
                sock.listen(1)
            except OSError as exc:
                if exc.errno == errno.EADDRINUSE:
                    return "address already in use (another process is listening there)"
                return exc.strerror or str(exc)
    return None


def _reason(exc: Exception) -> str:
    return str(getattr(exc, "strerror", None) or exc)


def _strip_key(message: str, key: str) -> str:
    return message[len(key) :].lstrip(" :") if message.startswith(key) else message
