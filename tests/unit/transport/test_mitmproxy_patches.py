"""The one way aidlp patches mitmproxy layers: idempotent, and refusing a layout it does not know."""

from __future__ import annotations

import sys
import types

import pytest

from proxy.mitmproxy_patches import patch_method, route_injected


@pytest.fixture
def fake_layer_module():
    module = types.ModuleType("aidlp_test_fake_layers")

    class Layer:
        def handle(self, event):
            yield ("original", event)

    module.Layer = Layer
    module.Needed = object()
    sys.modules[module.__name__] = module
    yield module
    del sys.modules[module.__name__]


class Injected:
    pass


def test_route_injected_hands_its_events_to_the_handler_and_others_to_the_original(
    fake_layer_module,
):
    def handler(layer, event):
        yield ("ours", event)

    assert route_injected(fake_layer_module.__name__, "Layer", "handle", Injected, handler)
    layer = fake_layer_module.Layer()
    mine = Injected()
    assert list(layer.handle(mine)) == [("ours", mine)]
    assert list(layer.handle("other")) == [("original", "other")]
    assert fake_layer_module.Layer.handle.__wrapped__ is not None


def test_patching_twice_wraps_once(fake_layer_module):
    calls = []

    def wrap(original):
        calls.append(original)

        def replaced(self, event):
            yield from original(self, event)

        return replaced

    for _ in range(2):
        assert patch_method(fake_layer_module.__name__, "Layer", "handle", wrap, tag="once")
    assert len(calls) == 1


@pytest.mark.parametrize(
    ("class_name", "method", "needed"),
    [("Missing", "handle", ()), ("Layer", "missing", ()), ("Layer", "handle", ("Absent",))],
)
def test_an_unknown_layout_is_refused_and_left_alone(fake_layer_module, class_name, method, needed):
    before = fake_layer_module.Layer.handle
    assert not patch_method(
        fake_layer_module.__name__, class_name, method, lambda o: o, needed, tag="refused"
    )
    assert fake_layer_module.Layer.handle is before


def test_the_http1_trailer_patch_applies_to_this_mitmproxy():
    from mitmproxy.proxy.layers.http import _http1

    from proxy.transport import http1_trailers

    assert http1_trailers.install()
    assert hasattr(_http1.Http1Connection.read_body, "__wrapped__")
    assert hasattr(_http1.Http1Client.send, "__wrapped__")
