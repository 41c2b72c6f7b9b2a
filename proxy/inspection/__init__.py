"""The inspection pipeline (extract → scan → decide), free of mitmproxy.

- :mod:`.model`: the plain inputs (:class:`Subject`, :class:`HttpRequest`,
  :class:`WebsocketMessage`) and the one output, :class:`Outcome`;
- :mod:`.pipeline`: :class:`Inspector`, which owns every way a request can end;
- :mod:`.style`: which response shape the client understands;
- :mod:`.record`: the outcome as one typed event for the recorder and the metrics.

The addons (:mod:`proxy.addons`) and ``aidlp scan`` call it; :func:`proxy.responses.render`
answers a blocked outcome.
"""

from proxy.inspection.model import HttpRequest, Outcome, Scanner, Subject, WebsocketMessage
from proxy.inspection.pipeline import Inspector
from proxy.inspection.record import Recording, decision_event

__all__ = [
    "HttpRequest",
    "Inspector",
    "Outcome",
    "Recording",
    "Scanner",
    "Subject",
    "WebsocketMessage",
    "decision_event",
]
