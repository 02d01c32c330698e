"""Rescore reads the groups' stored vectors (tagged with their encoder) instead of encoding again,
and vectors from another encoder are detected and rebuilt, not used."""
from __future__ import annotations

import sqlalchemy as sa

from civicnet.extensions import db
from civicnet.matching import services
from civicnet.matching.encoders import get_encoder
from civicnet.matching.model import get_model
from civicnet.matching.models import MatchingSuggestion
from civicnet.partners import index
from civicnet.partners.models import PartnerEmbedding
from tests.builders import make_organisation

TEXTS = ("무심천 하천 정화와 수질 모니터링", "독거 어르신 반찬 배달과 안부 확인", "Youth coding club for girls")


def _rows() -> dict[int, PartnerEmbedding]:
    db.session.expire_all()
    return {r.organisation_id: r for r in db.session.scalars(sa.select(PartnerEmbedding))}


def test_rescore_stores_vectors_once_and_reuses_them(app, network):
    app.config["PARTNERS_ENCODER"] = "auto"  # the matching encoder, as deployed
    orgs = [make_organisation(network, activities=text) for text in TEXTS]
    empty = make_organisation(network, activities="x")
    empty.activities = ""  # an older row: classified as "", not by its name's partner vector
    db.session.commit()
    services.rescore_network(network, stored_vectors=index.vectors_for_classification)
    db.session.commit()
    name = get_encoder(get_model().encoder_name).name
    rows = _rows()
    assert {o.id for o in orgs} <= set(rows) and {r.encoder for r in rows.values()} == {name}
    # what rescore stored is what classifying the texts afresh gives
    fresh = services.classify_texts(list(TEXTS), network)
    stored = {s.organisation_id: s.result for s in db.session.scalars(sa.select(MatchingSuggestion))}
    for org, result in zip(orgs, fresh):
        assert stored[org.id]["suggested"] == result["suggested"]
        assert [s["goal"] for s in stored[org.id]["sdgs"]] == [s["goal"] for s in result["sdgs"]]
    assert stored[empty.id]["suggested"] == []
    # a second rescore (after a retrained head) encodes nothing: no vector is rewritten
    versions = {i: (r.index_version, r.updated_at) for i, r in rows.items()}
    services.rescore_network(network, stored_vectors=index.vectors_for_classification)
    db.session.commit()
    assert {i: (r.index_version, r.updated_at) for i, r in _rows().items()} == versions


def test_vectors_of_another_encoder_are_rebuilt_not_used(app, network):
    app.config["PARTNERS_ENCODER"] = "auto"
    orgs = [make_organisation(network, activities=text) for text in TEXTS]
    services.rescore_network(network, stored_vectors=index.vectors_for_classification)
    db.session.commit()
    name = get_encoder(get_model().encoder_name).name
    # as if the encoder setting had changed since these were written
    db.session.execute(sa.update(PartnerEmbedding).values(encoder="another-encoder"))
    db.session.commit()
    index.clear_cache()
    # partner suggestions' matrix notices and re-embeds them on the next read
    matrix = index.network_matrix(network.id)
    assert sorted(matrix.ids.tolist()) == sorted(o.id for o in orgs) and matrix.encoder == name
    db.session.commit()
    db.session.execute(sa.update(PartnerEmbedding).values(encoder="another-encoder"))
    db.session.commit()
    # and so does a rescore
    services.rescore_network(network, stored_vectors=index.vectors_for_classification)
    db.session.commit()
    assert {r.encoder for r in _rows().values()} == {name}
