"""Rasa input and output channels: REST, the website widget (socket.io) and Telegram.

Each connector passes user text through :class:`components.channels.guard.ChannelGuard`
before Rasa sees it; rendering and checks that do not depend on Rasa live in
:mod:`bot.channels`.
"""
