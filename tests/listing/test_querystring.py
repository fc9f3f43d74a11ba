"""Facet links: adding a value to a canonical query gives the canonical query."""

from hypothesis import given
from hypothesis import strategies as st

from articles import querystring

NAMES = st.sampled_from(querystring.PARAM_ORDER)
VALUES = st.sampled_from(["a", "b", "z", "腾讯", "a b", " a", "b ", "", "2", "0", "1", "x&y"])


def canonical(pairs):
    return querystring.canonical_params(querystring.to_querydict(pairs))


@given(st.lists(st.tuples(NAMES, VALUES), max_size=8), st.booleans(), NAMES, VALUES)
def test_with_value_is_the_canonical_query_with_the_value_added(pairs, paged, name, value):
    params = canonical(pairs + [("page", "3")] * paged)
    data = querystring.to_querydict(querystring.without(params, "page"))
    if name in querystring.MULTI_VALUED:
        data.appendlist(name, value)
    else:
        data.setlist(name, [value])
    assert querystring.with_value(params, name, value) == querystring.canonical_params(data)


def test_a_value_goes_between_its_neighbours_and_the_page_is_dropped():
    params = canonical(
        [("q", "模型"), ("industry", "b"), ("industry", "d"), ("keyword", "k"), ("page", "3")]
    )
    assert querystring.with_value(params, "industry", "c") == [
        ("q", "模型"),
        ("industry", "b"),
        ("industry", "c"),
        ("industry", "d"),
        ("keyword", "k"),
    ]
    assert querystring.with_value(params, "industry", "d") == [
        ("q", "模型"),
        ("industry", "b"),
        ("industry", "d"),
        ("keyword", "k"),
    ]
    assert querystring.with_value(params, "company", "tencent")[1] == ("company", "tencent")
