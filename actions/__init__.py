"""Rasa SDK custom actions for Advieslijn.

Actions stay thin: read slots and the latest message, call one function in
:mod:`bot`, utter responses defined in ``domain.yml`` and return events.
"""
