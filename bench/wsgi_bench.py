"""The real app as gunicorn serves it, plus the benchmarks' anchor: a bare one-INSERT endpoint.

``BENCH_SDG_SUGGESTIONS=0`` turns the registration classifier off (the "same step without it"
anchor of bench_registration.py); by default it is on, as in production. The anchor endpoint
``POST /bench/bare-insert`` parses a JSON body and INSERTs one row into ``bench_inserts`` (a table
bench_registration.py creates in its own database), committing once, like any real write.
"""
import os

import sqlalchemy as sa
from flask import Blueprint, jsonify, request

from civicnet import create_app
from civicnet.extensions import csrf, db

app = create_app({"SDG_SUGGESTIONS": os.environ.get("BENCH_SDG_SUGGESTIONS", "1") != "0"})
bare = Blueprint("bench_bare", __name__)


@bare.post("/bench/bare-insert")
def bare_insert():
    data = request.get_json()
    db.session.execute(sa.text("INSERT INTO bench_inserts (name, payload) VALUES (:name, :payload)"),
                       {"name": str(data["name"]), "payload": str(data.get("activities", ""))})
    db.session.commit()
    return jsonify(ok=True), 201


csrf.exempt(bare)
app.register_blueprint(bare)
