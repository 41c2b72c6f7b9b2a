"""File kinds: a file's bytes → text segments (or an uninspectable marker).

Each module here defines one or more :class:`~proxy.extract.files.kind.FileKind` subclasses
decorated with :func:`~proxy.extract.files.kind.register`; :mod:`proxy.extract.files.reader`
imports every module of this package, so adding a file kind is one module plus its tests.
The reader asks the kinds in ``priority`` order which one the bytes are, and that kind reads
them (recursively for archives and embedded files, bounded by the request's budget).
"""
