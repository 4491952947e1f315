"""Synthetic but realistic exports for demos, tests and benchmarks (``mikpi sample``).

Writes ServiceNow incident / history / journal / change CSVs, PagerDuty REST
JSON for one client's platform on-call, and the governance CSVs of docs/governance-layout.md,
for several tenants over a programme of weeks, with an improvement story.
See docs/sample-data.md.
"""

from analytics.sample.generator import generate_sample, pagerduty_tenant

__all__ = ["generate_sample", "pagerduty_tenant"]
