"""Test-only mitmproxy script: re-route every upstream connection to the local test upstream.

The hostname (SNI, Host header) is kept, so the upstream's test certificate must cover it.
Loaded with `aidlp run -- -s tests/e2e/reroute.py`; never part of the product.
"""

import os

HTTPS_PORT = int(os.environ["AIDLP_TEST_UPSTREAM_HTTPS"])
HTTP_PORT = int(os.environ["AIDLP_TEST_UPSTREAM_HTTP"])


CONNECT_LOG = os.environ.get("AIDLP_TEST_CONNECT_LOG")


class Reroute:
    def server_connect(self, data):
        host, port = data.server.address
        if CONNECT_LOG:  # which upstreams the proxy tried to reach, for "never reached" checks
            with open(CONNECT_LOG, "a") as log:
                log.write(f"{host}:{port} sni={data.server.sni}\n")
        data.server.address = ("127.0.0.1", HTTP_PORT if port == 80 else HTTPS_PORT)


addons = [Reroute()]
