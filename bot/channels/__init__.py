"""Engine-neutral channel logic: what every channel checks and how it renders messages.

The Rasa connectors that use it live in ``components/channels``.
"""
