"""Search reads a query as a security lead types it (issue 19): short forms gain their words from
corpus/search-terms.yaml, one-slip misspellings become the index's own words, and nothing else changes."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.errors import InputError
from assistant.index.query_terms import QueryTerms, load_abbreviations
from tests.conftest import REPO, invoke

INDEX_TEXT = [
    "Passwords and passphrases: a password manager holds every shared password.",
    "Encryption keys are rotated; encryption at rest and in transit.",
    "Mobile devices are enrolled in device management before use.",
]


@pytest.fixture
def terms() -> QueryTerms:
    return QueryTerms(INDEX_TEXT, load_abbreviations(REPO / "corpus"))


def test_short_forms_gain_the_words_they_stand_for(terms: QueryTerms) -> None:
    out = terms.normalise("rules for MDM and byod")
    assert out.startswith("rules for MDM and byod (")
    assert "mobile device management" in out and "bring your own device" in out


def test_one_slip_misspellings_become_index_words(terms: QueryTerms) -> None:
    assert terms.normalise("pasword expiry rule") == "password expiry rule"
    assert terms.normalise("encrpytion keys rotation") == "encryption keys rotation"


def test_short_known_or_unseen_words_are_left_alone(terms: QueryTerms) -> None:
    assert terms.normalise("who signs off the budget") == "who signs off the budget"  # short words
    assert terms.normalise("holds every password") == "holds every password"  # already index words
    assert terms.normalise("dodgy cupboard") == "dodgy cupboard"  # no index word one slip away


def test_the_terms_file_is_checked(tmp_path: Path) -> None:
    assert load_abbreviations(tmp_path) == {}  # a corpus of one's own without the file: no short forms
    (tmp_path / "search-terms.yaml").write_text("abbreviations:\n  MDM: ''\n", encoding="utf-8")
    with pytest.raises(InputError, match="search-terms.yaml"):
        load_abbreviations(tmp_path)


def test_corpus_check_counts_the_catalogues() -> None:
    from typer.testing import CliRunner

    result = invoke(CliRunner(), "corpus", "check")
    assert result.exit_code == 0 and "search short forms" in result.output and "obligations" in result.output
