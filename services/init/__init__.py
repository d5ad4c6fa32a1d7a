"""One-shot initialisation job of the compose stack: ``topics create`` and ``index create``."""
