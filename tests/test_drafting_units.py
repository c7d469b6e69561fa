from __future__ import annotations

import time
from pathlib import Path

import pytest

from assistant.drafting.cache import ResponseCache
from assistant.drafting.llm import RateLimiter
from assistant.drafting.prompts import PromptError, load_prompt
from assistant.drafting.refine import offline_redraft
from assistant.drafting.validate import check_section
from assistant.errors import InputError
from assistant.knowledge.loader import load_corpus
from assistant.settings import REPO_ROOT
from assistant.tokens import count_tokens

PROMPTS = REPO_ROOT / "prompts"
KNOWN = {"A.5.15", "A.8.5", "6.1.2"}


def _check(text: str, heading: str = "Scope", known_text: str = "Okta Acme Jane Smith") -> list[str]:
    return check_section(
        heading=heading,
        expected_heading="Scope",
        text=text,
        declared=[],
        known_ids=KNOWN,
        allowed_ids={"A.5.15", "6.1.2"},
        known_text=known_text,
        vendors=load_corpus().vendors,
    )


GOOD = "Acme controls access through Okta with least privilege and reviews it every quarter [A.5.15]. " * 3


def test_valid_section_passes() -> None:
    assert _check(GOOD) == []


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (GOOD + " See A.9.2.3.", "2013"),
        (GOOD + " [A.5.99]", "do not exist"),
        (GOOD + " [A.8.5]", "not in the provided context"),
        (GOOD + " [Company Name] will", "placeholder"),
        (GOOD + " Owner: TBD.", "placeholder"),
        (GOOD + " Lorem ipsum dolor.", "placeholder"),
        (GOOD + " Hello {org_name}.", "placeholder"),
        (GOOD + " Devices are enrolled in Intune.", "Intune"),
        (GOOD + " Contact ciso@example.com.", "email"),
        (GOOD + " Approved by Mr Brown.", "people"),
        (GOOD + " Escalate to John Carter (CISO).", "people"),
        ("Too short [A.5.15].", "too short"),
        (GOOD.replace("[A.5.15]", ""), "cite at least one"),
    ],
)
def test_each_validation_rule(text: str, problem: str) -> None:
    assert any(problem in p for p in _check(text)), _check(text)


def test_heading_must_match() -> None:
    assert any("heading" in p for p in _check(GOOD, heading="Something else"))


def test_named_people_from_the_profile_are_fine() -> None:
    assert _check(GOOD + " Escalate to Jane Smith (CISO).") == []


def test_prompts_load_newest_version_and_refuse_missing_variables(tmp_path: Path) -> None:
    prompt = load_prompt(PROMPTS, "draft_section")
    assert prompt.version_id == "draft_section.v3"
    with pytest.raises(PromptError) as info:
        prompt.render(org_name="Acme")
    assert "missing" in str(info.value)
    folder = tmp_path / "chain"
    folder.mkdir()
    (folder / "system.v1.md.j2").write_text("v1 {{ x }}")
    (folder / "user.v1.md.j2").write_text("u1")
    (folder / "system.v2.md.j2").write_text("v2 {{ x }}")
    (folder / "user.v2.md.j2").write_text("u2")
    (folder / "system.v3.md.j2").write_text("incomplete pair")
    assert load_prompt(tmp_path, "chain").render(x=1) == ("v2 1", "u2")
    assert load_prompt(tmp_path, "chain", version=1).version_id == "chain.v1"


def test_prompt_sandbox_blocks_attribute_escapes(tmp_path: Path) -> None:
    folder = tmp_path / "evil"
    folder.mkdir()
    (folder / "system.v1.md.j2").write_text("{{ x.__class__.__mro__[1].__subclasses__() }}")
    (folder / "user.v1.md.j2").write_text("u")
    with pytest.raises(PromptError, match="unsafe"):
        load_prompt(tmp_path, "evil").render(x="")


def test_fit_plan_trims_context_but_never_the_rules() -> None:
    from assistant.drafting.plan import Passage, SectionPlan, fit_plan

    big = "word " * 3000
    plan = SectionPlan(
        doc_id="d", doc_title="D", doc_kind="policy", doc_purpose="p", heading="Scope", establishes="e",
        controls=("A.5.15",), clauses=(), statements=("Rule one keeps 7 days.", "Rule two."), carried=(),
        blocks=(), decisions=(), cite=("A.5.15",), allowed_ids=("A.5.15", "A.8.5"),
        facts=tuple(f"fact {i}" for i in range(10)), risks=tuple(f"risk {i}" for i in range(8)),
        passages=(Passage("A.5.15", "t", big), Passage("A.8.5", "t", big), Passage("A.8.5", "t", "short")),
    )  # fmt: skip
    seen: list[SectionPlan] = []

    def render(p: SectionPlan) -> tuple[str, str]:
        seen.append(p)
        return "system", "\n".join([*p.rules, *p.facts, *p.risks, *(x.text for x in p.passages)])

    system, user = fit_plan(plan, render, budget=4000)
    assert count_tokens(system) + count_tokens(user) <= 4000
    assert "Rule one keeps 7 days." in user and "Rule two." in user
    assert len(seen) > 1 and seen[-1].rules == plan.rules


def test_response_cache_round_trip(tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path)
    key = cache.key("openai", "m", "v1", [{"role": "user", "content": "hi"}])
    assert cache.get(key) is None
    cache.put(key, {"output": {"a": 1}})
    assert cache.get(key) == {"output": {"a": 1}}
    assert key != cache.key("openai", "m", "v2", [{"role": "user", "content": "hi"}])


def test_rate_limiter_allows_bursts_then_waits() -> None:
    limiter = RateLimiter(per_minute=3, window=0.3)
    started = time.monotonic()
    for _ in range(3):
        limiter.wait()
    assert time.monotonic() - started < 0.1
    limiter.wait()
    assert time.monotonic() - started >= 0.25


@pytest.mark.parametrize(
    ("instruction", "expected"),
    [
        ("use Okta instead of Azure AD", "Okta"),
        ("we use Okta, not Azure AD", "Okta"),
        ("replace Azure AD with Okta", "Okta"),
        ("Azure AD -> Okta", "Okta"),
    ],
)
def test_offline_substitutions(instruction: str, expected: str) -> None:
    text = offline_redraft("Staff sign in with Azure AD. Access is reviewed.", instruction)
    assert "Azure AD" not in text and expected in text


def test_offline_stated_facts_and_removal() -> None:
    text = offline_redraft(
        "Staff sign in with SSO. Reviews are yearly.", "remove: yearly; access reviews are quarterly"
    )
    assert "yearly" not in text and text.endswith("Access reviews are quarterly.")
    with pytest.raises(InputError):
        offline_redraft("abc", "remove: nothing like this")
    with pytest.raises(InputError):
        offline_redraft("abc", " ; ")
