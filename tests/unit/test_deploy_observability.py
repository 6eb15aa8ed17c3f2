"""The alert rules and the dashboard under deploy/ name only metrics the proxy exposes.

A renamed metric would otherwise leave an alert that can never fire. (`promtool check
rules` validates the rules' syntax in CI: scripts/check-deploy.)
"""

import json
import re
from pathlib import Path

from wfgen_scim.observability import Metrics

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
_NAME = re.compile(r"\bwfgen_scim_[a-z_]+")


def _exposed() -> set[str]:
    names: set[str] = set()
    for family in Metrics().registry.collect():
        if family.type == "counter":
            names |= {f"{family.name}_total", f"{family.name}_created"}
        elif family.type == "histogram":
            names |= {f"{family.name}_{s}" for s in ("bucket", "sum", "count", "created")}
        else:
            names.add(family.name)
    return names


def _named_in(text: str) -> set[str]:
    return set(_NAME.findall(text))


def test_alert_rules_use_exposed_metrics() -> None:
    text = (DEPLOY / "prometheus" / "wfgen-scim-rules.yml").read_text()
    used = _named_in(text)
    assert used, "the rules name no metric at all"
    assert used - _exposed() == set()


def test_dashboard_uses_exposed_metrics() -> None:
    dashboard = json.loads((DEPLOY / "grafana" / "wfgen-scim-dashboard.json").read_text())
    expressions = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    used = set().union(*(_named_in(e) for e in expressions))
    assert used - _exposed() == set()
    # Every metric the proxy exposes has a panel.
    families = {n.removesuffix("_total").removesuffix("_bucket") for n in used}
    assert {f.name for f in Metrics().registry.collect()} <= families


def test_the_check_would_notice_a_renamed_metric() -> None:
    assert _named_in("rate(wfgen_scim_request_total[5m])") - _exposed() == {
        "wfgen_scim_request_total"
    }
