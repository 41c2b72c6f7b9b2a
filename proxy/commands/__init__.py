"""One module per `aidlp` subcommand; each exposes ``register(subparsers)``."""
