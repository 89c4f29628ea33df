"""Custom Rasa NLU components. These import rasa; the domain logic they call lives in :mod:`bot`."""
