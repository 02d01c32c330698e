"""The CivicNet Telegram bot: registration by chat, meetings, notices' other end.

Its own process (``python -m bots``); everything it stores goes through civicnet's services.
"""
import os

# Opt in to PTB's coming API (durations as timedelta) so it does not warn on every 429.
os.environ.setdefault("PTB_TIMEDELTA", "1")
