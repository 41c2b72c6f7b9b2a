"""How the name finder's spaCy pipeline multiplies its matrices: NumPy's BLAS, one thread.

thinc runs every layer's matrix product (``Ops.gemm``) through BLIS by default. A scan hands
spaCy a few short windows (median prompt 107 characters: a handful of tokens), so each call
is a few rows against a whole weight matrix (the tok2vec Maxout layers: 288 x 864), and BLIS
packs the weights anew on every product; on this machine it also runs its generic reference
kernels (``bli_sgemm_generic_ref``: it has none for the CPU it finds). NumPy's OpenBLAS runs
the same products with its own kernels for the CPU: a 3-token call 5.1 -> 3.5 ms of CPU, a
sentence 7.7 -> 5.7 ms (``bench/README.md``), and about a quarter of spaCy's share of a cold
scan pass. Only ``gemm`` changes (thinc's ``NumpyOps(use_blis=False)``); the parser's and
NER's own Cython state loop keep theirs. The products' rounding differs from BLIS's in the
last bits; the entities, tags and parse of the corpus texts and every ``aidlp eval``
decision were compared, identical.

BLAS is held to one thread for the process (``threadpoolctl``): a scan is one short text at
a time, the scan workers already start with ``OPENBLAS_NUM_THREADS=1``, and OpenBLAS's own
threads on these few rows cost several times the product itself on a shared machine.
"""

from __future__ import annotations

from typing import Any


def use_numpy_gemm(nlp: Any) -> None:
    """Make every thinc layer of ``nlp``'s pipes multiply through NumPy (OpenBLAS, one
    thread) instead of BLIS."""
    from thinc.api import NumpyOps
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")  # process-wide, until changed again
    ops = NumpyOps(use_blis=False)
    for _, pipe in nlp.pipeline:
        model = getattr(pipe, "model", None)
        if model is None or not hasattr(model, "walk"):
            continue
        for node in model.walk():
            node.ops = ops
