"""Advieslijn domain package: everything that is not a Rasa action.

This package must never import ``rasa``, ``rasa_sdk`` or ``actions`` so that the
domain logic survives a change of conversation engine.
"""
