"""What the console added to the case log service, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from bot.caselog import service
from bot.caselog.contacts import Contact, ContactCipher
from bot.caselog.models import Adviser, Case
from bot.db import Database
from tests.console.conftest import Accounts, CaseMaker


def test_of_two_advisers_who_claim_at_once_only_one_gets_the_case(
    database: Database, accounts: Accounts, make_case: CaseMaker
) -> None:
    reference = make_case()
    first, second = database._sessions(), database._sessions()
    try:
        # Both read the case while it is still free ...
        case_a = service.get_case(first, reference=reference)
        case_b = service.get_case(second, reference=reference)
        assert case_a is not None and case_b is not None
        anna = first.get(Adviser, accounts.ids["anna"])
        bram = second.get(Adviser, accounts.ids["bram"])
        assert anna is not None and bram is not None
        service.claim(first, case=case_a, adviser=anna)
        first.commit()
        # ... the second claim sees the first one's and is refused.
        with pytest.raises(service.CaseError, match="already claimed"):
            service.claim(second, case=case_b, adviser=bram)
        second.rollback()
    finally:
        first.close()
        second.close()
    with database.session_scope() as db:
        case = service.get_case(db, reference=reference)
        assert case is not None
        assert case.assigned_adviser_id == accounts.ids["anna"]
        assert [e.kind for e in case.events].count("claimed") == 1


def test_claiming_twice_by_the_same_adviser_is_harmless(
    database: Database, accounts: Accounts, make_case: CaseMaker
) -> None:
    reference = make_case()
    for _ in range(2):
        with database.session_scope() as db:
            case = service.get_case(db, reference=reference)
            adviser = db.get(Adviser, accounts.ids["anna"])
            assert case is not None and adviser is not None
            service.claim(db, case=case, adviser=adviser)
    with database.session_scope() as db:
        case = service.get_case(db, reference=reference)
        assert case is not None and case.status == "claimed"


def test_revealing_a_contact_is_logged_and_only_for_the_owner(
    database: Database, accounts: Accounts, make_case: CaseMaker, contact_key: str
) -> None:
    reference = make_case(contact=Contact("email", "mentor@example.nl"))
    cipher = ContactCipher(contact_key)
    with database.session_scope() as db:
        case = service.get_case(db, reference=reference)
        anna = db.get(Adviser, accounts.ids["anna"])
        assert case is not None and anna is not None
        with pytest.raises(service.NotAllowedError):
            service.reveal_contact(db, case=case, viewer=anna, cipher=cipher)
        service.claim(db, case=case, adviser=anna)
        found = service.reveal_contact(db, case=case, viewer=anna, cipher=cipher)
        assert found == Contact("email", "mentor@example.nl")
    with database.session_scope() as db:
        case = service.get_case(db, reference=reference)
        assert case is not None
        assert case.events[-1].kind == "contact_viewed"
        assert case.events[-1].actor == "adviser:anna"


def test_events_after_returns_the_newer_entries_in_order(
    database: Database, accounts: Accounts, make_case: CaseMaker
) -> None:
    reference = make_case()
    with database.session_scope() as db:
        case = service.get_case(db, reference=reference)
        assert case is not None
        last = case.events[-1].id
        adviser = db.get(Adviser, accounts.ids["chris"])
        assert adviser is not None
        service.add_note(db, case=case, adviser=adviser, text="een")
        service.add_note(db, case=case, adviser=adviser, text="twee")
    with database.session_scope() as db:
        case = db.get(Case, case.id)
        assert case is not None
        assert [e.text for e in service.events_after(db, case=case, after=last)] == ["een", "twee"]
        assert service.events_after(db, case=case, after=10**9) == []
        assert [a.username for a in service.active_advisers(db)] == ["anna", "bram", "chris"]
