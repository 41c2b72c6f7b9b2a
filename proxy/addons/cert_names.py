"""Forged certificates name only the host the client asked for (``upstream_cert=false``).

mitmproxy's default (``upstream_cert=true``) copies every name of the real site's
certificate into the one it forges; with the name-constrained interception CA that
``deploy/CA.md`` recommends, one name outside the constraints makes clients refuse the
connection (``permitted subtree violation``). ``aidlp run`` passes ``upstream_cert=false``;
this addon enforces it however aidlp is loaded (``mitmdump -s proxy/addon.py`` too), unless
``aidlp_forge_sni_only`` is turned off.
"""

from __future__ import annotations

import logging
from typing import Any

from mitmproxy import ctx

log = logging.getLogger("aidlp")


class SniOnlyCertificates:
    """Option ``aidlp_forge_sni_only``; keeps mitmproxy's ``upstream_cert`` off while it is on."""

    def load(self, loader: Any) -> None:
        loader.add_option(
            "aidlp_forge_sni_only",
            bool,
            True,
            "Forged certificates name only the SNI / CONNECT host (mitmproxy's upstream_cert "
            "is kept off), as a name-constrained CA needs. Off: upstream_cert decides.",
        )

    def configure(self, updated: set[str]) -> None:
        if ctx.options.aidlp_forge_sni_only and ctx.options.upstream_cert:
            log.warning(
                "aidlp: upstream_cert turned off: forged certificates name only the host asked "
                "for, as a name-constrained CA needs (deploy/CA.md). To copy the upstream "
                "certificate's names, set aidlp_forge_sni_only=false and upstream_cert=true"
            )
            ctx.options.update(upstream_cert=False)
