"""``need``: a test whose real component is missing skips with the reason, and fails under CI=true."""

from __future__ import annotations

import pytest

from . import conftest
from .conftest import need


@pytest.mark.parametrize(("ci", "outcome"), [(False, pytest.skip.Exception), (True, pytest.fail.Exception)],
                         ids=["skips", "fails under CI"])
def test_a_missing_component(monkeypatch: pytest.MonkeyPatch, ci: bool, outcome: type[BaseException]) -> None:
    monkeypatch.setattr(conftest, "IN_CI", ci)
    need(True, "dovecot is not installed")  # present: the test goes on
    with pytest.raises(outcome) as raised:
        need(False, "dovecot is not installed")
    assert str(raised.value) == ("CI=true and dovecot is not installed" if ci else "dovecot is not installed")
