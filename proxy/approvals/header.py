"""The approval header: aidlp's own credential on a request, taken off before it goes upstream."""

APPROVAL_HEADER = "X-AIDLP-Approval"
