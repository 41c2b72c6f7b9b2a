"""Transport-layer guarantees: no path from a client to an AI host that skips the scan.

- :mod:`.records`: TLS record sniffing judged by the major version byte only;
- :mod:`.gate`: the ``next_layer`` addon that never lets an AI-tool (or unnamed) connection be
  relayed as raw bytes;
- :mod:`.names`: every name a flow carries (CONNECT host, SNI, Host, ``:authority``);
- :mod:`.http1_trailers`: chunked HTTP/1.1 request trailers read (and scanned) like HTTP/2's;
- :mod:`.metadata`: scanning of headers, cookies, URL path and trailers;
- :mod:`.routing`: blocked models wherever a provider routes by.
"""
