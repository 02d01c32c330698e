"""The 17 SDGs and 169 targets."""
from flask import Flask


def init_app(app: Flask) -> None:
    from . import models  # noqa: F401  (register tables)
