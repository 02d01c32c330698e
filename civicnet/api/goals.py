"""Public API: the 17 SDGs."""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from ..errors import NotFound
from ..extensions import db
from ..goals.models import Goal
from ..goals.services import all_goals
from .schemas import GoalSchema

bp = Blueprint("api_goals", __name__, url_prefix="/api/v1/goals", description="The 17 Sustainable Development Goals")


@bp.route("/")
class Goals(MethodView):
    @bp.response(200, GoalSchema(many=True))
    def get(self):
        """The 17 SDGs with Korean and English titles and official colours"""
        return all_goals()


@bp.route("/<int:number>")
class GoalItem(MethodView):
    @bp.response(200, GoalSchema)
    def get(self, number: int):
        """One SDG"""
        goal = db.session.get(Goal, number)
        if goal is None:
            raise NotFound("There is no SDG %(number)d.", number=number)
        return goal
