"""Tests for typed value extraction and normalisation (agentguard.text.values / dates)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agentguard.text.dates import find_reference_date, resolve_relative, time_key
from agentguard.text.values import Value, absolute_dates, extract_values, fold, num_key

WED = dt.date(2024, 5, 1)  # a Wednesday
WEEKDAY_NAMES = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
MONTH_NAMES = [
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
]  # fmt: skip
NUMBER_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
DATES = st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2090, 12, 31))
REF_DATES = st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2090, 12, 1))


def values(text: str, today: dt.date | None = None, kind: str | None = None) -> list[Value]:
    return [v for v in extract_values(text, today) if kind is None or v.kind == kind]


def only(text: str, kind: str, today: dt.date | None = None) -> Value:
    found = values(text, today, kind)
    assert len(found) == 1, found
    return found[0]


def key_of(text: str, kind: str, today: dt.date | None = None) -> str:
    return only(text, kind, today).keys[0]


def meets(claim: str, source: str, today: dt.date | None = None) -> bool:
    """True when some value of the claim finds one of its query keys in the source's keys."""
    offered = {k for v in extract_values(source, today) for k in v.keys}
    return any(set(v.query) & offered for v in extract_values(claim, today, claim=True))


def ordinal(n: int) -> str:
    suffix = "th" if 11 <= n % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def date_renderings(d: dt.date) -> list[str]:
    month = MONTH_NAMES[d.month - 1]
    out = [
        d.isoformat(),
        f"{d.year}/{d.month}/{d.day}",
        f"{d.day} {month} {d.year}",
        f"{d.day} {month[:3]} {d.year}",
        f"{month} {ordinal(d.day)}, {d.year}",
        f"{month} {d.day} {d.year}",
        f"the {ordinal(d.day)} of {month} {d.year}",
        f"{d.month:02d}/{d.day:02d}/{d.year}",
        f"{d.month}/{d.day}/{d.year}",
    ]
    if d.day > 12:  # day first is unambiguous only when the day cannot be a month
        out.append(f"{d.day:02d}/{d.month:02d}/{d.year}")
    return out


# Dates: absolute formats


@pytest.mark.parametrize(
    "text",
    [
        "3 May 2024",
        "2024-05-03",
        "2024/5/3",
        "May 3rd, 2024",
        "May 3 2024",
        "05/03/2024",
        "5/3/2024",
        "5/3/24",
        "the 3rd of May 2024",
        "3rd of May, 2024",
        "3 may 2024",
        "MAY 3, 2024",
    ],
)
def test_absolute_date_formats_share_one_key(text: str) -> None:
    assert only(text, "date").keys == ("date:2024-05-03", "md:05-03")


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("Sept. 9, 2024", "date:2024-09-09"),
        ("Sep 9, 2024", "date:2024-09-09"),
        ("9 September 2024", "date:2024-09-09"),
        ("Jan. 2, 2025", "date:2025-01-02"),
        ("Dec 31st 1999", "date:1999-12-31"),
    ],
)
def test_month_abbreviations_and_full_names(text: str, key: str) -> None:
    assert key_of(text, "date") == key


def test_numeric_date_is_day_first_when_first_number_cannot_be_a_month() -> None:
    assert key_of("13/05/2024", "date") == "date:2024-05-13"


def test_numeric_date_is_month_first_when_ambiguous() -> None:
    assert key_of("04/05/2024", "date") == "date:2024-04-05"


def test_two_digit_year_is_read_as_twenty_first_century() -> None:
    assert key_of("12/31/99", "date") == "date:2099-12-31"


def test_iso_date_with_time_gives_date_and_time() -> None:
    text = "Departs 2024-05-03T10:30."
    assert key_of(text, "date") == "date:2024-05-03"
    time = only(text, "time")
    assert time.keys == ("time:10:30",)
    assert text[time.span[0] : time.span[1]] == "10:30"


@pytest.mark.parametrize("text", ["31/02/2024", "2024-02-30", "2023-02-29", "2024-13-01", "May 32"])
def test_impossible_dates_are_skipped(text: str) -> None:
    assert values(text, kind="date") == []


def test_leap_day_in_a_leap_year() -> None:
    assert key_of("Feb 29, 2024", "date") == "date:2024-02-29"


def test_date_value_text_and_span_point_into_the_source() -> None:
    text = "We land on May 3rd, 2024 at noon."
    v = only(text, "date")
    assert v.text == "May 3rd, 2024"
    assert text[v.span[0] : v.span[1]] == v.text


@given(DATES)
def test_every_rendering_of_a_date_gives_the_same_key(d: dt.date) -> None:
    expected = f"date:{d.isoformat()}"
    for text in date_renderings(d):
        assert key_of(f"Due {text}.", "date") == expected, text


# Dates: year-less dates and the keys/query asymmetry


def test_yearless_date_without_reference_has_only_month_day_keys() -> None:
    v = only("Arrive May 3", "date")
    assert v.keys == ("md:05-03", "mdonly:05-03")
    assert v.query == ("md:05-03",)


@pytest.mark.parametrize("text", ["May 3", "3 May", "May 3rd", "the 3rd of May"])
def test_yearless_date_takes_the_reference_year(text: str) -> None:
    assert only(text, "date", WED).keys == ("date:2024-05-03", "md:05-03")


def test_yearless_leap_day_is_kept_without_a_year() -> None:
    assert only("Feb 29", "date").keys == ("md:02-29", "mdonly:02-29")


def test_dated_value_queries_full_date_or_a_yearless_source() -> None:
    v = only("3 May 2024", "date")
    assert v.keys == ("date:2024-05-03", "md:05-03")
    assert v.query == ("date:2024-05-03", "mdonly:05-03")


def test_dated_claim_is_supported_by_yearless_source() -> None:
    assert meets("Your flight is on 3 May 2024.", "Flight booked for May 3.")


def test_yearless_claim_is_supported_by_dated_source() -> None:
    assert meets("Your flight is on May 3.", "Flight booked for 2024-05-03.")


def test_dated_claim_is_not_supported_by_another_year() -> None:
    assert not meets("Your flight is on 3 May 2024.", "Flight booked for 3 May 2023.")


def test_dated_claim_is_not_supported_by_another_day() -> None:
    assert not meets("Your flight is on 3 May 2024.", "Flight booked for 4 May 2024.")


def test_yearless_claim_with_reference_needs_that_year() -> None:
    assert not meets("Your flight is on May 3.", "Flight booked for 2023-05-03.", WED)
    assert meets("Your flight is on May 3.", "Flight booked for 2024-05-03.", WED)


def test_unparseable_month_date_is_not_a_name() -> None:
    assert values("Meet on May 32 please", kind="name") == []


# Relative dates


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        ("today", dt.date(2024, 5, 1)),
        ("tonight", dt.date(2024, 5, 1)),
        ("tomorrow", dt.date(2024, 5, 2)),
        ("yesterday", dt.date(2024, 4, 30)),
        ("day after tomorrow", dt.date(2024, 5, 3)),
        ("the day after tomorrow", dt.date(2024, 5, 3)),
        ("this Friday", dt.date(2024, 5, 3)),
        ("next Friday", dt.date(2024, 5, 3)),
        ("coming Friday", dt.date(2024, 5, 3)),
        ("on Friday", dt.date(2024, 5, 3)),
        ("Friday", dt.date(2024, 5, 3)),
        ("last Friday", dt.date(2024, 4, 26)),
        ("this Wednesday", dt.date(2024, 5, 1)),
        ("next Wednesday", dt.date(2024, 5, 8)),
        ("on Wednesday", dt.date(2024, 5, 8)),
        ("last Wednesday", dt.date(2024, 4, 24)),
        ("next Monday", dt.date(2024, 5, 6)),
        ("last Tuesday", dt.date(2024, 4, 30)),
        ("in 3 days", dt.date(2024, 5, 4)),
        ("in 1 day", dt.date(2024, 5, 2)),
        ("in three days", dt.date(2024, 5, 4)),
        ("in twenty days", dt.date(2024, 5, 21)),
        ("in a day", dt.date(2024, 5, 2)),
        ("in 2 weeks", dt.date(2024, 5, 15)),
        ("in two weeks", dt.date(2024, 5, 15)),
        ("in a week", dt.date(2024, 5, 8)),
        ("in an week", dt.date(2024, 5, 8)),
    ],
)
def test_resolve_relative(phrase: str, expected: dt.date) -> None:
    assert resolve_relative(phrase, WED) == expected


def test_resolve_relative_ignores_case_and_spacing() -> None:
    assert resolve_relative("  Next   FRIDAY ", WED) == dt.date(2024, 5, 3)


@pytest.mark.parametrize("phrase", ["someday", "in many days", "in 3 months", "next month", ""])
def test_resolve_relative_returns_none_for_unknown_phrases(phrase: str) -> None:
    assert resolve_relative(phrase, WED) is None


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("I'll call you tomorrow.", "date:2024-05-02"),
        ("It shipped yesterday.", "date:2024-04-30"),
        ("See you the day after tomorrow!", "date:2024-05-03"),
        ("Booked for next Friday at 3pm.", "date:2024-05-03"),
        ("It arrives in three days.", "date:2024-05-04"),
        ("It arrives in 2 weeks.", "date:2024-05-15"),
        ("We met last Monday.", "date:2024-04-29"),
        ("Are you free this coming Monday?", "date:2024-05-06"),
    ],
)
def test_relative_dates_in_text_resolve_against_today(text: str, key: str) -> None:
    assert key_of(text, "date", WED) == key


def test_relative_date_meets_the_absolute_date() -> None:
    assert meets("The delivery is due tomorrow.", "Delivery date: 2024-05-02", WED)
    assert not meets("The delivery is due tomorrow.", "Delivery date: 2024-05-03", WED)


@pytest.mark.parametrize("text", ["See you tomorrow", "next Friday", "in 3 days"])
def test_relative_dates_without_reference_give_no_value(text: str) -> None:
    assert values(text) == []


def test_relative_weekday_is_not_a_name() -> None:
    assert values("See you next Friday with Anna", WED, "name")[0].text == "Anna"
    assert values("See you next Friday", None, "name") == []


@given(REF_DATES, st.sampled_from(WEEKDAY_NAMES))
def test_next_weekday_is_one_to_seven_days_ahead_on_that_weekday(
    today: dt.date, weekday: str
) -> None:
    for word in ("next", "coming", "on"):
        got = resolve_relative(f"{word} {weekday}", today)
        assert got is not None
        assert 1 <= (got - today).days <= 7
        assert got.weekday() == WEEKDAY_NAMES.index(weekday)


@given(REF_DATES, st.sampled_from(WEEKDAY_NAMES))
def test_this_weekday_is_zero_to_six_days_ahead_on_that_weekday(
    today: dt.date, weekday: str
) -> None:
    got = resolve_relative(f"this {weekday}", today)
    assert got is not None
    assert 0 <= (got - today).days <= 6
    assert got.weekday() == WEEKDAY_NAMES.index(weekday)


@given(REF_DATES, st.sampled_from(WEEKDAY_NAMES))
def test_last_weekday_is_one_to_seven_days_back_on_that_weekday(
    today: dt.date, weekday: str
) -> None:
    got = resolve_relative(f"last {weekday}", today)
    assert got is not None
    assert 1 <= (today - got).days <= 7
    assert got.weekday() == WEEKDAY_NAMES.index(weekday)


@given(REF_DATES, st.sampled_from(WEEKDAY_NAMES))
def test_next_weekday_in_text_gives_the_resolved_key(today: dt.date, weekday: str) -> None:
    expected = resolve_relative(f"next {weekday}", today)
    assert expected is not None
    assert key_of(f"Shall we meet next {weekday.title()}?", "date", today) == (
        f"date:{expected.isoformat()}"
    )


@given(REF_DATES, st.integers(min_value=0, max_value=9))
def test_in_n_days_with_digits_and_words_agree(today: dt.date, n: int) -> None:
    expected = today + dt.timedelta(days=n)
    assert resolve_relative(f"in {n} days", today) == expected
    assert resolve_relative(f"in {NUMBER_WORDS[n]} days", today) == expected
    assert key_of(f"Ready in {NUMBER_WORDS[n]} days.", "date", today) == (
        f"date:{expected.isoformat()}"
    )


@given(REF_DATES, st.integers(min_value=0, max_value=52))
def test_in_n_weeks_is_seven_n_days(today: dt.date, n: int) -> None:
    assert resolve_relative(f"in {n} weeks", today) == today + dt.timedelta(weeks=n)


# Reference date


@pytest.mark.parametrize(
    "text",
    [
        "Today is Wednesday, 1 May 2024.",
        "Current date: 2024-05-01",
        "Today's date is May 1st, 2024",
        "As of 05/01/2024 the account is open.",
        "The date today is: 1 May 2024",
    ],
)
def test_find_reference_date(text: str) -> None:
    assert find_reference_date([text], absolute_dates) == WED


def test_find_reference_date_takes_the_first_text_with_a_cue() -> None:
    texts = ["Booking for 2024-06-10.", "Today is 2024-05-01.", "Today is 2025-01-01."]
    assert find_reference_date(texts, absolute_dates) == WED


def test_find_reference_date_without_cue_is_none() -> None:
    assert find_reference_date(["Booking for 2024-06-10."], absolute_dates) is None


def test_find_reference_date_ignores_yearless_dates() -> None:
    assert find_reference_date(["Today is May 1."], absolute_dates) is None


def test_find_reference_date_ignores_dates_far_after_the_cue() -> None:
    text = "Today is " + "x" * 45 + " 2024-05-01"
    assert find_reference_date([text], absolute_dates) is None


@pytest.mark.parametrize("pad", [20, 28, 30, 36, 38, 39])
def test_find_reference_date_reads_long_dates_near_the_window_edge(pad: int) -> None:
    for date in ("05/01/2024", "2024-05-01", "May 1st, 2024", "1st of May, 2024"):
        text = "Today is " + "x" * pad + " " + date
        assert find_reference_date([text], absolute_dates) == WED, date


def test_find_reference_date_feeds_relative_dates() -> None:
    context = "Today is Wednesday, 1 May 2024. Your order arrives next Friday."
    today = find_reference_date([context], absolute_dates)
    assert key_of("It arrives next Friday.", "date", today) == "date:2024-05-03"


def test_absolute_dates_gives_offsets_of_dated_values_only() -> None:
    text = "On 2024-05-03, May 4, tomorrow and 5/6/2024."
    assert absolute_dates(text) == [(3, dt.date(2024, 5, 3)), (35, dt.date(2024, 5, 6))]


# Times


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("at 3pm", "time:15:00"),
        ("at 3 pm", "time:15:00"),
        ("at 3:30 PM", "time:15:30"),
        ("at 3:30pm", "time:15:30"),
        ("at 7 a.m.", "time:07:00"),
        ("at 9am", "time:09:00"),
        ("at 15:30", "time:15:30"),
        ("at 0:05", "time:00:05"),
        ("at 23:59", "time:23:59"),
        ("at noon", "time:12:00"),
        ("at 12pm", "time:12:00"),
        ("at midnight", "time:00:00"),
        ("at 12am", "time:00:00"),
    ],
)
def test_time_formats(text: str, key: str) -> None:
    v = only(text, "time")
    assert v.keys == (key,)
    assert v.query == (key,)


@pytest.mark.parametrize("text", ["at 25:00", "at 24:00", "at 12:60", "at 13pm", "at 0am"])
def test_impossible_times_are_skipped(text: str) -> None:
    assert values(text, kind="time") == []


def test_twelve_and_twenty_four_hour_clocks_meet() -> None:
    assert meets("The call is at 3:30 PM.", "Call scheduled 15:30.")
    assert not meets("The call is at 3:30 AM.", "Call scheduled 15:30.")


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((3, 0, "pm"), "15:00"),
        ((12, 0, "P.M."), "12:00"),
        ((12, 15, "a.m."), "00:15"),
        ((9, 5, None), "09:05"),
        ((0, 0, "am"), None),
        ((13, 0, "pm"), None),
        ((24, 0, None), None),
        ((10, 60, None), None),
    ],
)
def test_time_key(args: tuple[int, int, str | None], expected: str | None) -> None:
    assert time_key(*args) == expected


@given(st.integers(min_value=0, max_value=23), st.integers(min_value=0, max_value=59))
def test_twelve_hour_rendering_meets_twenty_four_hour(hour: int, minute: int) -> None:
    twelve = f"{hour % 12 or 12}:{minute:02d} {'PM' if hour >= 12 else 'AM'}"
    assert key_of(f"at {twelve}", "time") == key_of(f"at {hour:02d}:{minute:02d}", "time")
    assert key_of(f"at {twelve}", "time") == f"time:{hour:02d}:{minute:02d}"


# Money


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("It costs $1,200.50.", "num:1200.5"),
        ("It costs 20 dollars.", "num:20"),
        ("It costs EUR 15.", "num:15"),
        ("It costs eur15.", "num:15"),
        ("It costs 1,200 USD.", "num:1200"),
        ("It costs €3.5 million.", "num:3500000"),
        ("It costs £5.", "num:5"),
        ("It costs $2k.", "num:2000"),
        ("It costs $2K.", "num:2000"),
        ("It costs $1.5k.", "num:1500"),
        ("It costs $2.01k.", "num:2010"),
        ("It costs $3 billion.", "num:3000000000"),
        ("It costs $0.10.", "num:0.1"),
    ],
)
def test_money_formats(text: str, key: str) -> None:
    assert only(text, "money").keys == (key,)


def test_money_meets_a_plain_number() -> None:
    assert meets("The total is $1,200.", "total: 1200")


@given(st.integers(min_value=0, max_value=10**9))
def test_dollar_sign_and_dollars_word_meet(cents: int) -> None:
    amount = cents / 100
    with_sign = key_of(f"Total ${amount:,.2f} due", "money")
    assert with_sign == key_of(f"Total {amount:.2f} dollars due", "money")
    assert with_sign == key_of(f"Total USD {amount:.2f} due", "money")
    assert with_sign == num_key(amount)


@given(st.integers(min_value=1, max_value=10**6))
def test_thousands_suffix_meets_the_full_amount(cents: int) -> None:
    amount = cents / 100
    assert key_of(f"budget ${amount:.2f}k", "money") == key_of(f"budget ${cents * 10:,}", "money")


# Numbers


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("There are 1,200 seats.", "num:1200"),
        ("There are 1,234,567 seats.", "num:1234567"),
        ("It is 3.5 hours.", "num:3.5"),
        ("Growth was 45%.", "num:45"),
        ("Growth was 45.5%.", "num:45.5"),
        ("It weighs 10kg.", "num:10"),
        ("It weighs 1.5kg.", "num:1.5"),
        ("It weighs 2.5 kg.", "num:2.5"),
        ("Row 42 please.", "num:42"),
    ],
)
def test_number_formats(text: str, key: str) -> None:
    assert only(text, "number").keys[0] == key


def test_ordinal_is_a_number() -> None:
    assert only("You are 3rd in line.", "number").keys == ("num:3",)


def test_long_digit_string_is_also_an_id() -> None:
    assert only("order 12345 shipped", "number").keys == ("num:12345", "id:12345")


def test_short_number_is_not_an_id() -> None:
    assert only("room 123", "number").keys == ("num:123",)


@pytest.mark.parametrize(
    ("text", "key"),
    [("two of us", "num:2"), ("ten people", "num:10"), ("twenty-five seats", "num:25")],
)
def test_number_words_count_in_sources(text: str, key: str) -> None:
    assert only(text, "number").keys == (key,)


def test_number_words_are_skipped_in_claims() -> None:
    assert extract_values("the one you booked for two", claim=True) == []
    assert [v.keys for v in extract_values("for 2", claim=True)] == [("num:2",)]


def test_number_word_source_supports_digit_claim() -> None:
    assert meets("Booked for 2 passengers.", "There will be two of us.")


@pytest.mark.parametrize(
    ("x", "key"),
    [
        (3, "num:3"),
        (3.0, "num:3"),
        (1200.5, "num:1200.5"),
        (0.1 + 0.2, "num:0.3"),
        (2.0000001, "num:2"),
        (2.01 * 1000, "num:2010"),
        (1e6, "num:1000000"),
    ],
)
def test_num_key(x: float, key: str) -> None:
    assert num_key(x) == key


@given(st.integers(min_value=0, max_value=10**12))
def test_comma_grouping_does_not_change_the_key(n: int) -> None:
    assert key_of(f"count {n:,} items", "number") == num_key(n)


# Emails and URLs


def test_email_is_case_folded() -> None:
    v = only("Write to John.Doe@Example.COM.", "email")
    assert v.text == "John.Doe@Example.COM"
    assert v.keys == ("email:john.doe@example.com",)


def test_emails_meet_across_case() -> None:
    assert meets("I emailed JOHN.DOE@example.com.", "contact: john.doe@EXAMPLE.com")


def test_url_drops_trailing_slash_and_punctuation() -> None:
    a = only("See https://Example.com/docs/.", "url")
    b = only("(see https://example.com/docs)", "url")
    assert a.keys == b.keys == ("url:https://example.com/docs",)
    assert b.text == "https://example.com/docs"


# Phones


@pytest.mark.parametrize(
    "text",
    [
        "(555) 123-4567",
        "(555)123-4567",
        "555-123-4567",
        "555.123.4567",
        "555 123 4567",
        "+1 555 123 4567",
        "+1-555-123-4567",
        "+1 (555) 123-4567",
    ],
)
def test_phone_formats_share_one_key(text: str) -> None:
    assert key_of(f"Call {text} now", "phone") == "phone:5551234567"


@given(
    st.integers(min_value=200, max_value=999),
    st.integers(min_value=200, max_value=999),
    st.integers(min_value=0, max_value=9999),
)
def test_phone_renderings_meet(area: int, exchange: int, line: int) -> None:
    expected = f"phone:{area}{exchange}{line:04d}"
    for text in (
        f"({area}) {exchange}-{line:04d}",
        f"{area}-{exchange}-{line:04d}",
        f"{area}.{exchange}.{line:04d}",
        f"+1 {area} {exchange} {line:04d}",
    ):
        assert key_of(f"Phone: {text}.", "phone") == expected, text


# Ids


@pytest.mark.parametrize("text", ["A-991", "A991", "a991", "#A-991", "#a991"])
def test_id_ignores_case_and_separators(text: str) -> None:
    assert only(f"ticket {text} open", "id").keys == ("id:a991",)


def test_hash_number_id_is_also_a_number() -> None:
    assert only("ticket #12345", "id").keys == ("id:12345", "num:12345")


def test_hash_id_meets_plain_digit_string() -> None:
    assert meets("Your order 12345 has shipped.", "order #12345 status: shipped")
    assert meets("Your order #12345 has shipped.", "order_id: 12345")


def test_multi_part_id() -> None:
    assert only("booking AB-12-cd", "id").keys == ("id:ab12cd",)


def test_id_is_not_a_name() -> None:
    assert values("Booking ABC123 for Dana", kind="name")[0].text == "Dana"


# Quoted strings


def test_quoted_string_is_folded_and_spaces_collapsed() -> None:
    assert only('He said "Hello   Wörld"', "quoted").keys == ("str:hello world",)


def test_curly_quotes() -> None:
    assert only("titled “The Plan”", "quoted").keys == ("str:the plan",)


def test_json_value_inside_quotes_is_also_extracted() -> None:
    text = '{"order_id": "A123", "date": "2024-05-03"}'
    keys = {k for v in extract_values(text) for k in v.keys}
    assert {"str:order_id", "str:a123", "id:a123", "date:2024-05-03"} <= keys


def test_value_inside_quotes_has_a_span_into_the_outer_text() -> None:
    text = '{"order_id": "A123"}'
    v = only(text, "id")
    assert text[v.span[0] : v.span[1]] == "A123"


def test_claim_meets_a_json_source() -> None:
    assert meets("Order A-123 ships on May 3, 2024.", '{"order": "A123", "ship": "2024-05-03"}')


# Names


def test_multiword_name_with_initial_and_accent() -> None:
    v = only("I met Gerd B. Müller yesterday", "name")
    assert v.text == "Gerd B. Müller"
    assert v.keys == ("name:gerd b muller",)


def test_name_with_connector() -> None:
    assert key_of("The meeting with Ludwig van Beethoven", "name") == "name:ludwig van beethoven"


def test_accented_and_plain_names_meet() -> None:
    assert meets("The guest is José Müller.", "guest: Jose Muller")


def test_sentence_initial_common_word_is_dropped_from_a_name() -> None:
    assert only("The Grand Hotel is full.", "name").text == "Grand Hotel"
    assert only("Thanks Alice, done.", "name").text == "Alice"


def test_single_capital_at_sentence_start_is_not_a_name() -> None:
    assert values("Order 12345 shipped. Alice paid.", kind="name") == []


def test_multiword_name_at_sentence_start_is_kept() -> None:
    assert only("Alice Smith paid.", "name").keys == ("name:alice smith",)


def test_acronym_at_sentence_start_is_kept() -> None:
    assert only("NASA confirmed it.", "name").keys == ("name:nasa",)


def test_name_after_comma_is_kept() -> None:
    assert only("Sure, Bob will call.", "name").keys == ("name:bob",)


def test_pronoun_i_and_weekdays_are_not_names() -> None:
    assert [v.text for v in values("I think Paris on Monday works", kind="name")] == ["Paris"]


@pytest.mark.parametrize(
    ("text", "folded"),
    [("Müller", "muller"), ("ÉCOLE", "ecole"), ("Ångström", "angstrom"), ("plain", "plain")],
)
def test_fold(text: str, folded: str) -> None:
    assert fold(text) == folded


# Whole-text behaviour


def test_values_come_in_text_order_with_spans() -> None:
    text = "Alice Smith pays $40 on 2024-05-03 at 3pm; mail a@b.co"
    found = extract_values(text)
    assert [v.kind for v in found] == ["name", "money", "date", "time", "email"]
    assert all(text[v.span[0] : v.span[1]] == v.text for v in found)


def test_plain_text_has_no_values() -> None:
    assert extract_values("nothing to see here at all") == []
