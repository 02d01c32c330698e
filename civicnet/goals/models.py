"""The 17 UN Sustainable Development Goals and their 169 targets."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db


class Goal(db.Model):
    __tablename__ = "goals"

    number: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    title_en: Mapped[str] = mapped_column(sa.Text)
    title_ko: Mapped[str] = mapped_column(sa.Text)
    short_en: Mapped[str] = mapped_column(sa.String(100))
    short_ko: Mapped[str] = mapped_column(sa.String(100))
    colour: Mapped[str] = mapped_column(sa.String(7))

    # Loaded only when asked for: goals ride along with every cluster and organisation.
    targets: Mapped[list[Target]] = relationship(back_populates="goal", order_by="Target.position")

    def short(self, lang: str) -> str:
        return self.short_en if lang == "en" else self.short_ko

    def title(self, lang: str) -> str:
        return self.title_en if lang == "en" else self.title_ko

    def __repr__(self) -> str:
        return f"<Goal {self.number}>"


class Target(db.Model):
    __tablename__ = "targets"

    code: Mapped[str] = mapped_column(sa.String(8), primary_key=True)
    goal_number: Mapped[int] = mapped_column(sa.ForeignKey("goals.number"), index=True)
    position: Mapped[int] = mapped_column()
    title_en: Mapped[str] = mapped_column(sa.Text)
    title_ko: Mapped[str] = mapped_column(sa.Text)

    goal: Mapped[Goal] = relationship(back_populates="targets")

    def title(self, lang: str) -> str:
        return self.title_en if lang == "en" else self.title_ko
