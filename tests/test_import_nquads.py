"""The N-Quads serializer: any text survives a round trip through rdflib's parser."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from rdflib import Dataset, Literal, URIRef

from graph.importers.nquads import NQuadsWriter, quad

S, P, G = URIRef("https://e.org/s"), URIRef("https://e.org/p"), URIRef("https://e.org/g")
text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60)


def _parse(line: str) -> Dataset:
    ds = Dataset()
    ds.parse(data=line, format="nquads")
    return ds


@settings(max_examples=200, deadline=None)
@given(text, st.sampled_from([None, "en", "fr", "zh-hans", "be-tarask"]))
def test_literals_round_trip(value, lang):
    lit = Literal(value, lang=lang)
    (_s, _p, o, _g), = _parse(quad(S, P, lit, G)).quads((None, None, None, None))
    assert o == lit


def test_iris_with_spaces_are_percent_encoded():
    line = quad(S, P, URIRef("https://en.wikipedia.org/wiki/A B{c}"), G)
    (_s, _p, o, _g), = _parse(line).quads((None, None, None, None))
    assert str(o) == "https://en.wikipedia.org/wiki/A%20B%7Bc%7D"


def test_writer_is_atomic_and_reports_unchanged(tmp_path):
    target = tmp_path / "out.nq"
    with NQuadsWriter(target) as w:
        w.add(S, P, Literal("x"), G)
        assert w.commit() is True
    with NQuadsWriter(target) as w:
        w.add(S, P, Literal("x"), G)
        assert w.commit() is False
    before = target.read_bytes()
    try:
        with NQuadsWriter(target) as w:
            w.add(S, P, Literal("y"), G)
            raise RuntimeError("import failed half-way")
    except RuntimeError:
        pass
    assert target.read_bytes() == before and [p.name for p in tmp_path.iterdir()] == ["out.nq"]
