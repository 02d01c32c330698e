"""``python -m bots``: the Telegram bot process (polling or webhook, see BOT_MODE)."""
from .app import main

main()
