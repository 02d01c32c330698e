from tests.builders import make_network, make_organisation, make_user


def test_builders_make_consistent_rows(app, network):
    other = make_network("daejeon")
    user = make_user(network, "staff")
    org = make_organisation(network, goals=[6, 15], cluster_key="nature")
    assert user.role_in(network) == "staff" and user.role_in(other) is None
    assert org.goal_numbers == [6, 15] and org.cluster.key == "nature"


def test_builders_clean_like_the_registration_form(app, network):
    """Builders go through the services: a full-width name gets the NFKC, punctuation-free key of the form's."""
    import sqlalchemy as sa

    from civicnet.extensions import db
    from civicnet.organisations.models import OrganisationChange

    org = make_organisation(network, name="ＡＢＣ　모임!", goals=[4])
    assert org.name_key == "abc모임"
    actions = db.session.scalars(sa.select(OrganisationChange.action).where(
        OrganisationChange.organisation_id == org.id)).all()
    assert actions[0] == "registered"
