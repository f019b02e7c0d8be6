"""Lead-score segments: which band of the 1-100 score a contact falls in."""

from __future__ import annotations

from .entities import ScoreSegment

SEGMENT_RANGES: dict[ScoreSegment, tuple[int, int]] = {
    ScoreSegment.HOT: (70, 100),
    ScoreSegment.WARM: (40, 69),
    ScoreSegment.COLD: (1, 39),
}


def segment_for_score(score: int) -> ScoreSegment | None:
    """The segment of a score; 0 (never scored) is in none."""
    for segment, (low, high) in SEGMENT_RANGES.items():
        if low <= score <= high:
            return segment
    return None
