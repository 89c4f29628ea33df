"""Fuzzing of the public endpoints (``python -m tests.fuzz``; a short run in ``make test``)."""
