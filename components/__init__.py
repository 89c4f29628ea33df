"""Rasa plug-ins: the NLU safety net, the channels, the redacting tracker store and event broker.

These import rasa; the domain logic they call lives in :mod:`bot`.
"""
