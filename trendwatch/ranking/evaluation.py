"""How good predictions are: precision, recall and F1 per class against labels."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass
class EvalReport:
    """Per-class precision/recall of predictions against labels."""

    per_class: dict[str, dict[str, float]] = field(default_factory=dict)
    macro_f1: float = 0.0
    n: int = 0


def evaluate(true: Sequence[str | None], pred: Sequence[str | None]) -> EvalReport:
    """Precision, recall, F1 and support per class (``None`` shown as "off-brand")."""
    labels: list[str | None] = [*sorted({t for t in true if t} | {p for p in pred if p}),
                                None]
    report = EvalReport(n=len(true))
    f1s = []
    for lab in labels:
        tp = sum(1 for t, p in zip(true, pred, strict=True) if t == lab and p == lab)
        fp = sum(1 for t, p in zip(true, pred, strict=True) if t != lab and p == lab)
        fn = sum(1 for t, p in zip(true, pred, strict=True) if t == lab and p != lab)
        support = tp + fn
        prec = tp / (tp + fp) if tp + fp else 0.0
        rec = tp / support if support else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        if support:
            f1s.append(f1)
        report.per_class[lab or "off-brand"] = {"precision": round(prec, 3),
                                                "recall": round(rec, 3),
                                                "f1": round(f1, 3), "support": support}
    report.macro_f1 = round(sum(f1s) / len(f1s), 4) if f1s else 0.0
    return report
