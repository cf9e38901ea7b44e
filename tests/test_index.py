from hypothesis import given
from hypothesis import strategies as st

from agentguard import build_context, parse_check_input
from agentguard.estimators.index import ContextIndex, word_terms
from agentguard.text.tokens import term, term_key
from agentguard.text.values import fold

words = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=14)


@given(st.lists(words, min_size=1, max_size=30))
def test_vectorised_term_keys_match_the_python_stemmer(ws: list[str]) -> None:
    blob = " ".join(ws)
    starts, ends, keys = word_terms(blob)
    assert [blob[a:b] for a, b in zip(starts.tolist(), ends.tolist(), strict=True)] == ws
    assert keys.tolist() == [term_key(term(w)) for w in ws]


def test_stemmed_forms_share_a_term() -> None:
    _, _, keys = word_terms("book books booked booking deliver delivered delivery boxes")
    k = keys.tolist()
    assert k[0] == k[1] == k[2] == k[3]
    assert k[4] == k[5] == k[6]
    assert k[7] == term_key("box")


def _index(*texts: str) -> ContextIndex:
    messages = [{"role": "user", "content": t} for t in texts]
    return ContextIndex.build(
        build_context(parse_check_input({"messages": messages, "output": {}}))
    )


def test_sentences_split_at_ends_but_not_at_titles_initials_or_decimals() -> None:
    index = _index(
        "Dr. Smith paid $39.95 to Gerd B. Müller. It arrived e.g. yesterday! Fine?\nNext line",
        '{"order": "A1", "items": [{"sku": "X"}, {"sku": "Y"}]}',
    )
    sentences = [index.sentence_text(i).strip() for i in range(index.n_sentences)]
    sentences = [s for s in sentences if s]
    assert sentences[:4] == [
        "Dr. Smith paid $39.95 to Gerd B. Müller.",
        "It arrived e.g. yesterday!",
        "Fine?",
        "Next line",
    ]
    assert any(s.endswith('"sku": "X"}') for s in sentences)


def test_offsets_in_the_folded_text_are_offsets_in_the_source() -> None:
    index = _index("Grüße aus Köln, İstanbul und München: order ÖBB-123.")
    (hit,) = index.find_phrase("munchen")
    assert index.originals[hit.source][hit.span[0] : hit.span[1]] == "München"
    assert len(fold(index.text)) == len(index.text)


def test_sentences_with_finds_every_sentence_of_a_term() -> None:
    index = _index("I booked a room.", "The booking is confirmed.", "Nothing here.")
    found = [index.sentence(i).source for i in index.sentences_with(term("books")).tolist()]
    assert found == ["user#1", "user#2"]


def test_a_month_name_confirms_a_date_only_with_its_day_beside_it() -> None:
    from agentguard.text.values import extract_values

    index = _index(
        "Today is 1 April 2024. The desk shipped on May 5 and the chair on the 3rd   of May, late.",
        "Your refund of September 14, 2024 is approved; May also works.",
    )
    today = index.today

    def found(text: str) -> list[str]:
        (value,) = [v for v in extract_values(text, today, claim=True) if v.kind == "date"]
        return [index.originals[h.source][h.span[0] : h.span[1]] for h in index.find_value(value)]

    assert found("It shipped on 3 May.") == ["3rd   of May"]
    assert found("It shipped on May 5th.") == ["May 5"]
    assert found("It was approved on 14 September 2024.") == ["September 14, 2024"]
    assert found("It shipped on May 4.") == []
