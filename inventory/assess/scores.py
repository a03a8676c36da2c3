"""Scores on six dimensions, an overall score and a recommendation, from a system's findings."""

from __future__ import annotations

from typing import Any

from .model import System


def assess(s: System, rules: dict[str, Any]) -> tuple[dict[str, int], int, str, str]:
    """Dimension scores, overall score, recommendation and the rule that led to it."""
    meta, weights = rules["findings"], rules["dimensions"]
    scores = dict.fromkeys(weights, 100)
    for code in set(s.findings):
        m = meta[code]
        scores[m["dimension"]] = max(0, scores[m["dimension"]] - int(m["deduct"]))
    overall = round(sum(scores[d] * w for d, w in weights.items()) / sum(weights.values()))
    for rule in rules["recommendations"]:
        if "status" in rule and s.values.get("status") not in rule["status"]:
            continue
        if "findings" in rule and not set(rule["findings"]) & set(s.findings):
            continue
        if "score_below" in rule and overall >= rule["score_below"]:
            continue
        if "field" in rule and not all(s.values.get(k) in v for k, v in rule["field"].items()):
            continue
        why = rule.get("why_with_findings", rule["why"]) if s.findings else rule["why"]
        return scores, overall, rule["name"], why
    return scores, overall, "保留", ""
