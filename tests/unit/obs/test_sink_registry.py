"""The sink registry: a sink module dropped into the package is found, configurable under
its ``events:`` key (validated, unknown keys refused) and built, without touching other files."""

from __future__ import annotations

import sys
import textwrap

import pytest
from pydantic import ValidationError

from proxy.events.settings import EventSettings, event_settings_model
from proxy.events.sinks import registry
from proxy.events.sinks.base import NullStats, Sink

TEST_SINK = textwrap.dedent(
    '''
    """A test-only sink: counts what it is given."""

    from pydantic import Field

    from proxy.events.sinks.base import QueueSettings, Sink, SinkSpec


    class TallySettings(QueueSettings):
        label: str | None = None
        limit: int = Field(default=3, ge=1)


    class TallySink(Sink):
        name = "tally"

        def __init__(self, settings, stats):
            super().__init__(settings.queue_size, stats)
            self.settings = settings


    def _build(settings, stats, environ):
        return TallySink(settings, stats) if settings.label else None


    SPEC = SinkSpec(key="tally", settings=TallySettings, build=_build, order=5)
    '''
)


@pytest.fixture
def sink_package(tmp_path, monkeypatch):
    """A package ``tally_sinks`` beside the real sinks: one sink module, plus a module that
    re-imports the real file sink's spec (found once, not twice)."""
    package = tmp_path / "tally_sinks"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "tally.py").write_text(TEST_SINK)
    (package / "reexport.py").write_text("from proxy.events.sinks.file import SPEC\n")
    (package / "_private.py").write_text("raise ImportError('private modules are skipped')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield "tally_sinks"
    for name in [m for m in sys.modules if m.split(".")[0] == "tally_sinks"]:
        del sys.modules[name]


def test_a_new_sink_module_is_found_configured_and_built(sink_package):
    specs = registry.discover(sink_package)
    assert [spec.key for spec in specs] == ["tally", "file"]  # by order, each once
    model = event_settings_model(specs)
    off = model.model_validate({})
    assert off.tally.label is None and registry.build(specs, off, NullStats()) == []
    on = model.model_validate({"tally": {"label": "x", "limit": 7, "queue_size": 2}})
    (sink,) = registry.build(specs, on, NullStats())
    assert isinstance(sink, Sink) and sink.name == "tally" and sink.settings.limit == 7
    with pytest.raises(ValidationError) as err:
        model.model_validate({"tally": {"limit": 0}})
    assert err.value.errors()[0]["loc"] == ("tally", "limit")
    with pytest.raises(ValidationError) as err:
        model.model_validate({"tally": {"lable": "x"}})
    assert err.value.errors()[0]["loc"] == ("tally", "lable")
    with pytest.raises(ValidationError):
        model.model_validate({"stdout": True})  # not a sink of this package


def test_two_sinks_claiming_one_key_are_refused(sink_package, tmp_path):
    (tmp_path / sink_package / "again.py").write_text(
        "from proxy.events.sinks.base import SinkSpec\n"
        "from tally_sinks.tally import TallySettings, _build\n"
        "SPEC = SinkSpec(key='tally', settings=TallySettings, build=_build)\n"
    )
    with pytest.raises(RuntimeError, match="two sinks claim one events key"):
        registry.discover(sink_package)


def test_every_registered_sink_has_its_events_keys():
    keys = {key for spec in registry.SPECS for key in (spec.flat or {spec.key: ""})}
    assert keys == {"stdout", "stdout_queue_size", "file", "syslog", "webhook"}
    fields = set(EventSettings.model_fields)
    assert keys <= fields
    assert fields - keys == {"hmac_key_file", "close_timeout_seconds"}
    for spec in registry.SPECS:
        assert spec.settings.model_config.get("extra") == "forbid", spec.key
        # the default section enables nothing but stdout
        section = spec.section(EventSettings())
        assert isinstance(section, spec.settings)


def test_the_default_events_section_builds_stdout_only():
    sinks = registry.build(registry.SPECS, EventSettings(), NullStats(), {})
    assert [sink.name for sink in sinks] == ["stdout"]
    quiet = EventSettings.model_validate({"stdout": False, "stdout_queue_size": 5})
    assert registry.build(registry.SPECS, quiet, NullStats(), {}) == []
