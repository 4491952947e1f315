"""The export context reads only what the artefacts show, with the listings' own rules."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import pytest

from analytics import details
from exporters.context import action_counts, build_context, closure_gaps, overdue_actions
from tests.result_fixture import make_result

AS_OF = datetime(2026, 3, 30, 9, 0)   # the fixture result's generated_at: its as-of for every tenant


def test_aurora_figures_by_hand(seeded_store):
    ctx = build_context(seeded_store, make_result(), "Aurora Bank")
    # A1 (due 10 Mar), A2 (20 Mar), A3 (25 Mar) open past due; A4 done before due; A5 due 15 Apr.
    assert ctx.action_counts == {"done_on_time": 1, "done_late": 0, "overdue": 3, "open": 1}
    assert ctx.actions_total == 5
    assert ctx.overdue_actions["action_id"].tolist() == ["A1", "A2", "A3"]
    assert ctx.overdue_actions["days_overdue"].tolist() == [20, 10, 5]
    # INC000000 lacks the customer's confirmation, INC000001 a residual-risk statement.
    assert ctx.closure_gaps == {"incidents": 2, "missing_service_validation": 0,
                                "missing_customer_confirmation": 1, "missing_residual_risk": 1}


@pytest.mark.parametrize("tenant", ["Aurora Bank", "Borealis Retail", "ALL", "Nobody Ltd"])
def test_summaries_agree_with_the_full_listings(seeded_store, tenant):
    tracker = details.action_tracker(seeded_store, tenant, AS_OF)
    counts = tracker["status"].value_counts()
    assert action_counts(seeded_store, tenant, AS_OF) == {
        s: int(counts.get(s, 0)) for s in ("done_on_time", "done_late", "overdue", "open")}
    expected = tracker[tracker["status"] == "overdue"].reset_index(drop=True)
    got = overdue_actions(seeded_store, tenant, AS_OF)
    assert list(got.columns) == list(expected.columns)
    pd.testing.assert_frame_equal(got.astype(object), expected.astype(object), check_dtype=False)
    evidence = details.closure_evidence(seeded_store, tenant)
    gaps = closure_gaps(seeded_store, tenant)
    assert gaps["incidents"] == len(evidence)
    for gate in ("missing_service_validation", "missing_customer_confirmation", "missing_residual_risk"):
        assert gaps[gate] == int(evidence[gate].astype(bool).sum())
