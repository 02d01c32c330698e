from tests.builders import make_network, make_organisation, make_user


def test_builders_make_consistent_rows(app, network):
    other = make_network("daejeon")
    user = make_user(network, "staff")
    org = make_organisation(network, goals=[6, 15], cluster_key="nature")
    assert user.role_in(network) == "staff" and user.role_in(other) is None
    assert org.goal_numbers == [6, 15] and org.cluster.key == "nature"
