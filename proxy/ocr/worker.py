"""OCR as a scan-worker task: image bytes in, text (or why not) out, within a time budget.

Role in the flow: the inspection pipeline sends the images an extraction kept
(:class:`proxy.extract.datatypes.ImagePart`) to the scan worker pool with
:func:`read_images`; each worker keeps one :class:`~proxy.ocr.engine.OcrEngine`, loaded on
first use. Only text and bounded reason tokens cross the process boundary.
"""

from __future__ import annotations

import time

from proxy.ocr.engine import OcrEngine, OcrUnavailable
from proxy.ocr.images import ImageRefused
from proxy.ocr.settings import OcrSettings

_engines: dict[str, OcrEngine] = {}

#: What an unread image reports instead of text.
REASONS = ("too_large", "damaged", "not_an_image", "ocr_unavailable", "ocr_timeout", "ocr_error")


def read_images(images: list[bytes], settings_json: str) -> list[tuple[bool, str]]:
    """For each image: ``(True, text)`` or ``(False, reason)`` (one of :data:`REASONS`).

    Images past ``max_images_per_request``, or once the budget is spent, are not read.
    """
    engine = _engines.get(settings_json)
    if engine is None:
        engine = _engines.setdefault(
            settings_json, OcrEngine(OcrSettings.model_validate_json(settings_json))
        )
    settings = engine.settings
    deadline = time.monotonic() + settings.timeout_seconds
    out: list[tuple[bool, str]] = []
    for index, data in enumerate(images):
        if index >= settings.max_images_per_request:
            out.append((False, "too_large"))
            continue
        try:
            out.append((True, engine.read(data, deadline=deadline)))
        except ImageRefused as exc:
            out.append((False, exc.reason))
        except OcrUnavailable:
            out.append((False, "ocr_unavailable"))
        except TimeoutError:
            out.append((False, "ocr_timeout"))
        except ValueError:
            out.append((False, "not_an_image"))
        except Exception:  # a decoder or model failure on crafted input: unread, not a crash
            out.append((False, "ocr_error"))
    return out
