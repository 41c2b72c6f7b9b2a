"""aidlp proxy side: everything that touches flows (mitmproxy addon, catalogue, extraction,
policy, approvals, responses, events, metrics, CLI). Never reaches into spaCy directly."""

__version__ = "0.1.0"
