"""python-telegram-bot persistence in the app's database (table ``bot_state``), not a pickle file.

Conversation states and ``user_data`` are stored as JSON rows, so a registration half-way through
survives a restart of the bot process. ``chat_data``, ``bot_data`` and callback data are not used.
"""
from __future__ import annotations

import asyncio
import json
from copy import deepcopy

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from telegram.ext import BasePersistence, PersistenceInput

from civicnet.notices.models import BotState
from civicnet.timeutil import utcnow

T = BotState.__table__


class SQLAlchemyPersistence(BasePersistence):
    def __init__(self, engine: Engine, update_interval: float = 5) -> None:
        super().__init__(store_data=PersistenceInput(bot_data=False, chat_data=False, user_data=True,
                                                     callback_data=False), update_interval=update_interval)
        self.engine = engine

    # --- storage helpers (sync; run in a thread) ----------------------------------------------
    def _load(self, namespace: str) -> dict[str, object]:
        with self.engine.connect() as conn:
            return {row.key: row.data for row in conn.execute(
                sa.select(T.c.key, T.c.data).where(T.c.namespace == namespace))}

    def _save(self, namespace: str, key: str, data: object) -> None:
        with self.engine.begin() as conn:
            if data is None:
                conn.execute(T.delete().where(T.c.namespace == namespace, T.c.key == key))
                return
            result = conn.execute(T.update().where(T.c.namespace == namespace, T.c.key == key)
                                  .values(data=data, updated_at=utcnow(), reminded_at=None))
            if not result.rowcount:
                conn.execute(T.insert().values(namespace=namespace, key=key, data=data, updated_at=utcnow()))

    async def _save_async(self, namespace: str, key: str, data: object) -> None:
        await asyncio.to_thread(self._save, namespace, key, data)

    # --- user data ---------------------------------------------------------------------------
    async def get_user_data(self) -> dict[int, dict]:
        rows = await asyncio.to_thread(self._load, "user")
        return {int(k): dict(v or {}) for k, v in rows.items()}

    async def update_user_data(self, user_id: int, data: dict) -> None:
        await self._save_async("user", str(user_id), deepcopy(data) if data else None)

    async def refresh_user_data(self, user_id: int, user_data: dict) -> None:
        pass  # this process is the only writer

    async def drop_user_data(self, user_id: int) -> None:
        await self._save_async("user", str(user_id), None)

    # --- conversations -----------------------------------------------------------------------
    async def get_conversations(self, name: str) -> dict:
        rows = await asyncio.to_thread(self._load, f"conversation:{name}")
        return {tuple(json.loads(k)): v for k, v in rows.items()}

    async def update_conversation(self, name: str, key: tuple, new_state: object | None) -> None:
        await self._save_async(f"conversation:{name}", json.dumps(list(key)), new_state)

    # --- unused stores -----------------------------------------------------------------------
    async def get_chat_data(self) -> dict:
        return {}

    async def update_chat_data(self, chat_id: int, data: dict) -> None:
        pass

    async def refresh_chat_data(self, chat_id: int, chat_data: dict) -> None:
        pass

    async def drop_chat_data(self, chat_id: int) -> None:
        pass

    async def get_bot_data(self) -> dict:
        return {}

    async def update_bot_data(self, data: dict) -> None:
        pass

    async def refresh_bot_data(self, bot_data: dict) -> None:
        pass

    async def get_callback_data(self) -> None:
        return None

    async def update_callback_data(self, data) -> None:
        pass

    async def flush(self) -> None:
        pass
