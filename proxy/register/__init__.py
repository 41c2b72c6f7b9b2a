"""The usage register: decisions (never content) from the event stream, and their reports.

- ``settings``: the ``register:`` config section;
- ``store``: the SQLite file, its versioned migrations and retention;
- ``sink``: the event sink that feeds it off the event loop;
- ``importer``: ``aidlp register import`` (event files, SIEM exports);
- ``reports`` / ``render``: ``aidlp report ...``;
- ``subjects``: keyed hashes of strong identifiers for Subject Access Requests.
"""
