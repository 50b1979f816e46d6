"""Theme engine settings: what an analyst may change, with defaults measured in bench/."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

# The parameters that decide the clusters: a re-cluster that changes one re-shapes the themes.
SHAPE_FIELDS = (
    "min_cluster_size", "min_samples", "cluster_selection_method", "reduction", "dims", "seed", "max_fit",
    "assign_threshold", "merge_threshold", "refine_iterations", "consensus_fits", "consensus_share", "consensus_max",
    "partition", "ward_max", "ward_neighbours", "context_weight", "count_fits", "count_sample",
    "bag_fits", "bag_share", "bag_distance", "bag_min", "theme_count",
)
# What a fit stored before a field existed was made with, where that is not today's default: HDBSCAN's own clusters
# before the Ward partition, Ward on the points themselves before neighbour means (5 since session 31), one Ward
# fit before bagging (15 since session 38).
BEFORE_STORED: dict[str, object] = {"partition": "hdbscan", "ward_neighbours": 0, "bag_fits": 0}


class ThemeSettings(BaseModel):
    """Clustering, assignment and labelling parameters (the ``themes:`` block of the config)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min_cluster_size: int | None = Field(
        None, ge=2, description="smallest theme, in segments; None = max(5, fitted segments / 1000)"
    )
    min_samples: int | None = Field(
        3, ge=1, description="HDBSCAN density smoothing; with partition ward it sets (with min_cluster_size) how many "
        "themes there are, with hdbscan also how many segments are left out"
    )
    theme_count: int | None = Field(
        None, ge=2, description="about how many themes a fit draws (partition ward; at most one per min_cluster_size "
        "segments); None = as many as HDBSCAN finds in the data. The analyst's granularity: more for finer themes, "
        "fewer for broader ones"
    )
    cluster_selection_method: Literal["leaf", "eom"] = Field(
        "leaf", description="leaf = fine, even themes (parents group them); eom = fewer, uneven themes"
    )
    reduction: Literal["pca", "none"] = Field(
        "pca", description="reduction before HDBSCAN (PCA: <1 s; UMAP was not worth its ~60 s compile)"
    )
    dims: int = Field(30, ge=2, le=384, description="PCA dimensions")
    seed: int = Field(0, description="seed of the fit sample when the data exceeds max_fit")
    max_fit: int = Field(20000, ge=100, description="fit on a deterministic sample of at most this many segments")
    assign_threshold: float = Field(
        0.42, ge=0.0, le=1.0, description="cosine to a theme centroid needed to join it (else outlier)"
    )
    match_threshold: float = Field(
        0.80, ge=0.0, le=1.0, description="a re-clustered theme keeps an old id at this centroid cosine"
    )
    overlap_threshold: float = Field(
        0.5, ge=0.0, le=1.0, description="... or when this share of its segments were the old theme's"
    )
    parent_threshold: float = Field(
        0.35, ge=0.0, le=1.0,
        description="themes whose centroids are this similar (average linkage) share a parent",
    )
    top_themes: int | None = Field(
        None, ge=2,
        description="top-level themes (parents + themes without one); None = chosen from the data (best "
        "separated), 8 to 1.2 x sqrt(themes) (at most 25)",
    )
    merge_threshold: float = Field(
        0.80, ge=0.0, le=1.0,
        description="HDBSCAN clusters whose centroids are this similar (average linkage) are one theme",
    )
    fold_threshold: float = Field(
        0.3, ge=0.0, le=1.0,
        description="a re-cluster with unchanged parameters folds a new cluster that drew this share of its "
        "segments from one existing theme back into it (1.0 = never; `themes split` splits on purpose)",
    )
    partition: Literal["ward", "hdbscan"] = Field(
        "ward", description="ward = HDBSCAN sets how many themes, Ward linkage on the PCA vectors draws them "
        "(clinc150 NMI +0.023, 10 % subsample ARI +0.03; banking77 level); hdbscan = HDBSCAN's own clusters"
    )
    ward_max: int = Field(
        6000, ge=100, description="segments Ward linkage runs on at most (a hash sample; its memory grows with the "
        "square: 6,000 take ~0.35 GB and ~5 s); the rest join by nearest centroid"
    )
    ward_neighbours: int = Field(
        5, ge=0, le=50, description="ward: each point Ward links is first replaced by the mean of itself and its "
        "this many nearest neighbours (cosine); the refinement runs on the segments' own vectors. At 5 the themes "
        "hold on a 10 % subsample (ARI, mean of 6 draws) 0.814 -> 0.879 on banking77 and 0.893 -> 0.906 on "
        "clinc150, and the top level built on them holds better too; 0 = Ward on the points themselves "
        "(bench/RESULTS.md, \"Ward on neighbour means\", \"Neighbour means by default\")"
    )
    context_weight: float = Field(
        0.0, ge=0.0, le=100.0, description="a segment is clustered and assigned as normalise(its vector + this x "
        "the mean vector of its comment's segments), so a content-free piece (\"Why is that?\") goes where its "
        "comment goes; 0 = the segment's own vector (one-segment comments are the same either way). At 2: banking77 "
        "NMI +0.006, clinc150 +0.001, stability unchanged over 4 subsample draws, nightly agreement 0.6-1.5 points "
        "lower, hence off (bench/RESULTS.md, issue #12 context and count)"
    )
    read_whole: tuple[str, ...] = Field(
        (), description="sources whose comments each ask one thing (support chats, contact requests, search "
        "queries): each comment is read as one point, themed and scored whole, not cut into sentences, one of which "
        "says nothing alone (\"I made a transfer yesterday. Why hasn't it arrived?\"). Survey answers, reviews and "
        "e-mails tell several things at once: leave them out. banking77 read whole: NMI 0.796 -> 0.827 (bench/RESULTS.md, "
        "\"Comments that ask one thing\")"
    )
    bag_fits: int = Field(
        25, ge=0, le=50, description="ward: this many Ward fits on hash subsamples, and the themes more than half of "
        "them find (centroids within bag_distance) are the fit's; 0/1 = one Ward fit. 10 % subsample ARI (mean of 6 "
        "draws) banking77 read whole 0.886 -> 0.913, clinc150 0.912 -> 0.923, NMI 0.827 -> 0.824 / level; the fit "
        "4.4x as long at 7,580 segments (29 s, 2 cores) (bench/RESULTS.md, \"Bagged Ward\")"
    )
    bag_share: float = Field(0.7, gt=0.0, le=1.0, description="share of the segments each bag_fits fit sees")
    bag_distance: float = Field(
        0.13, gt=0.0, lt=1.0, description="bag_fits: centroids of the fits this close (cosine distance, average "
        "linkage) are one theme"
    )
    bag_min: int = Field(1000, ge=10, description="bag_fits act from this many segments; fewer: one Ward fit")
    count_fits: int = Field(
        0, ge=0, le=15, description="ward: the theme count is the median of HDBSCAN's counts on this many hash "
        "samples of count_sample segments (a count that does not follow the data's size); 0/1 = HDBSCAN on all. At 3 "
        "with context 2: subsample ARI +0.018 / +0.012 (banking77 / clinc150, mean of 4 draws), nightly agreement "
        "-2.3 / -2.9 points; off until measured at archive scale"
    )
    count_sample: int = Field(3000, ge=100, description="segments each count_fits fit sees")
    refine_iterations: int = Field(
        10, ge=0, le=100, description="nearest-centroid refinement rounds after HDBSCAN (stops when stable)"
    )
    consensus_fits: int = Field(
        0, ge=0, le=50, description="HDBSCAN fits on hash subsamples whose agreement makes the themes (0/1 = one fit)"
    )
    consensus_share: float = Field(0.8, gt=0.0, le=1.0, description="share of the segments each consensus fit sees")
    consensus_max: int = Field(
        6000, ge=100, description="segments the consensus is built on at most (a hash sample; the rest join by centroid)"
    )
    pool_min_size: int | None = Field(
        None, ge=2, description="outlier-pool group size that proposes a new theme; None = min_cluster_size (over "
        "a bagged fit: min_cluster_size / bag_share, what each of its fits sees)"
    )
    model_path: Path | None = Field(None, description="sentence-transformers folder; None = packaged MiniLM")
    batch_size: int = Field(32, ge=1, le=1024)
    keywords: int = Field(8, ge=1, le=30)

    @model_validator(mode="after")
    def _count_with_ward(self) -> ThemeSettings:
        if self.theme_count is not None and (self.partition != "ward" or self.consensus_fits > 1):
            raise ValueError("theme_count needs partition: ward and no consensus_fits (HDBSCAN and the consensus "
                             "find their own number of themes)")
        return self

    @field_validator("read_whole", mode="before")
    @classmethod
    def _source_names(cls, value: object) -> object:
        """One name as itself ("read_whole: support-chat"); anything but names is refused as a list of names."""
        if isinstance(value, str):
            return (value,)
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            raise ValueError("a list of source names is needed, e.g. [support-chat]")
        return value

    def cluster_size(self, n: int) -> int:
        return self.min_cluster_size or max(5, n // 1000)

    def pool_size(self, fitted: int) -> int:
        """Segments a group of the outlier pool needs to become a theme, when the last fit saw ``fitted``:
        ``pool_min_size``, else the smallest theme; over a bagged fit, the smallest theme each of its fits sees
        (that over ``bag_share``): a smaller group is one most of a re-cluster's fits would not draw."""
        if self.pool_min_size:
            return self.pool_min_size
        size = self.cluster_size(min(fitted, self.max_fit))
        return math.ceil(size / self.bag_share) if self.bagged(fitted) else size

    def bagged(self, segments: int) -> bool:
        """Whether a fit of ``segments`` draws its themes by bagged Ward (:func:`.cluster.bagged_labels`)."""
        return self.partition == "ward" and self.consensus_fits <= 1 and self.bag_fits > 1 and segments >= self.bag_min

    def top_count(self, themes: int) -> int:
        """How many top-level groups ``themes`` themes are folded into at most."""
        if self.top_themes:
            return self.top_themes
        return int(min(25, max(8, round(1.2 * themes**0.5))))


def same_shape(last: dict[str, object], settings: ThemeSettings) -> bool:
    """Whether the settings stored with the last fit (``last``) shape clusters as ``settings`` do.

    A field the stored settings lack (saved before it existed) counts as what fits were made with then
    (:data:`BEFORE_STORED`), else as its default.
    """
    current = settings.model_dump(mode="json")
    defaults = {**ThemeSettings().model_dump(mode="json"), **BEFORE_STORED}
    return bool(last) and all(last.get(name, defaults[name]) == current[name] for name in SHAPE_FIELDS)


def with_overrides(settings: ThemeSettings, base_dir: Path, overrides: dict[str, object]) -> ThemeSettings:
    """Settings with analyst parameters applied (None = keep) and model_path made absolute."""
    data = settings.model_dump()
    if settings.model_path is not None and not settings.model_path.is_absolute():
        data["model_path"] = base_dir / settings.model_path
    data.update({k: v for k, v in overrides.items() if v is not None})
    return ThemeSettings.model_validate(data)
