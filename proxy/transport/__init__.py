"""Transport-layer guarantees: no path from a client to an AI host that skips the scan.

- :mod:`.records`: TLS record sniffing judged by the major version byte only;
- :mod:`.gate`: the ``next_layer`` addon that never lets an AI-tool (or unnamed) connection be
  relayed as raw bytes;
- :mod:`.names`: every name a flow carries (CONNECT host, SNI, Host, ``:authority``).
"""
