"""Search vectors as int8 codes on the principal axes (feedback.serve.vectors).

The round trip's error bounds on clustered synthetic vectors; the codes published into a real
archive file and read back as the server reads them (dtype, bytes held, row ids); a broken
``vector_codes`` refused with a clear error, and the search page then answering by keyword; and
(slow) on real MiniLM embeddings of customer queries, the same top results as exact float32 search.
"""

from __future__ import annotations

import csv
import json
import os
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from feedback.insights.vector_codes import update_codes, write_codes
from feedback.serve.search import SearchUnavailable, VectorIndex
from feedback.serve.vectors import (
    CODE_DIMS,
    HEAD_DIMS,
    LIMIT,
    QuantisedIndex,
    fit_codebook,
    load_vector_index,
)
from feedback.warehouse import open_warehouse

from .conftest import SHARED_DATA, need
from .test_search_index import archive_with_vectors, clustered, unit


def test_a_round_trip_moves_each_coordinate_by_at_most_half_a_step() -> None:
    vectors = clustered(6000, seed=7)
    codebook = fit_codebook(vectors[:1000], code_dims=384)  # fitted on a sample: later rows can lie beyond its range
    codes, factors = codebook.encode(vectors)
    assert codes.dtype == np.int8 and codes.shape == (6000, 384) and factors.dtype == np.float32
    assert np.abs(codes.astype(int)).max() <= LIMIT and factors.min() == 1.0
    assert (factors > 1).any()  # some rows lie beyond the sample's range: scaled, not clipped
    coordinates = (vectors - codebook.mean) @ codebook.basis
    decoded = (codebook.decode(codes, factors) - codebook.mean) @ codebook.basis
    step = codebook.scales[None, :] * factors[:, None]
    assert (np.abs(decoded - coordinates) <= 0.5 * step + 1e-6).all()
    assert np.linalg.norm(codebook.decode(codes, factors) - vectors, axis=1).max() < 0.03


def test_the_scores_are_within_the_quantisation_bound_of_the_exact_cosines() -> None:
    vectors = clustered(3000, seed=8)
    codebook = fit_codebook(vectors, code_dims=384)
    codes, factors = codebook.encode(vectors)
    for query in clustered(10, seed=9):
        weights, offset = codebook.weights(query)
        scores = factors * (codes.astype(np.float32) @ weights) + offset
        bound = 0.5 * factors * np.abs(weights).sum() + 1e-5  # half a step on every axis, at worst
        assert (np.abs(scores - vectors @ query) <= bound).all()
        assert np.abs(scores - vectors @ query).max() < 0.01


def test_the_basis_is_a_rotation_with_the_largest_variance_first() -> None:
    vectors = clustered(2000, seed=10)
    codebook = fit_codebook(vectors, code_dims=384)
    assert np.allclose(codebook.basis.T @ codebook.basis, np.eye(384), atol=1e-4)
    spread = np.var((vectors - codebook.mean) @ codebook.basis, axis=0)
    assert spread[0] == spread.max() and spread[:HEAD_DIMS].sum() > 0.9 * spread.sum()
    leading = fit_codebook(vectors)  # the served codes: the leading CODE_DIMS axes only
    assert leading.basis.shape == (384, CODE_DIMS) and np.allclose(leading.basis, codebook.basis[:, :CODE_DIMS])


def test_an_axis_a_small_sample_leaves_empty_still_gets_a_usable_step() -> None:
    vectors = clustered(2000, seed=22)
    codebook = fit_codebook(vectors[:50])  # 50 vectors span at most 49 axes: the rest are empty
    assert codebook.scales.min() >= 0.1 * codebook.scales[0] * 0.999
    codes, factors = codebook.encode(vectors)  # most lie beyond the sample's range: factors above 1
    decoded = codebook.decode(codes, factors)
    projected = (vectors - codebook.mean) @ codebook.basis @ codebook.basis.T + codebook.mean  # all the codes can hold
    assert np.median(np.linalg.norm(decoded - projected, axis=1)) < 0.05


def test_fit_codebook_checks_its_input() -> None:
    with pytest.raises(TypeError, match="float32"):
        fit_codebook(np.zeros((10, 8)))
    with pytest.raises(TypeError, match="non-empty"):
        fit_codebook(np.zeros((0, 8), dtype=np.float32))


def coded_archive(path: Path, vectors: np.ndarray) -> sqlite3.Connection:
    conn = archive_with_vectors(path, vectors)
    assert write_codes(conn) == {"vector_codebook": 1, "vector_codes": len(vectors)}
    conn.commit()
    return conn


def test_published_codes_are_read_as_one_int8_array(tmp_path: Path) -> None:
    vectors = clustered(3000, seed=11)
    conn = coded_archive(tmp_path / "archive.db", vectors)
    index = load_vector_index(conn, "k", exact_below=3000)
    assert isinstance(index, QuantisedIndex) and (index.model, index.model_version) == ("minilm", "1")
    assert index.codes.dtype == np.int8 and index.codes.shape == (3000, CODE_DIMS) and index.codes.flags.c_contiguous
    assert index.rowids.dtype == np.int32 and index.factors.dtype == np.float32
    assert index.nbytes == 3000 * (CODE_DIMS + 4 + 4) + 4 * (384 + 384 * CODE_DIMS + CODE_DIMS)  # no float32 copy
    assert sorted(index.rowids.tolist()) == list(range(1, 3001))  # feedback rowids, comment f{i} is rowid i + 1
    found, cosines = index.top(vectors[1234], 5, candidates=100)
    assert found[0] == 1235 and cosines[0] == pytest.approx(1.0, abs=0.01)
    below = load_vector_index(conn, "k", exact_below=3001)  # a small archive: float32, exact, as before
    assert isinstance(below, VectorIndex) and below.matrix.dtype == np.float32 and below.reduced is None


def test_the_best_results_are_ranked_again_by_their_float32_cosines(tmp_path: Path) -> None:
    vectors = clustered(3000, seed=16)
    index = load_vector_index(coded_archive(tmp_path / "archive.db", vectors), "k", exact_below=0)
    assert index.rescorer is not None
    exact = VectorIndex(np.arange(1, 3001), vectors, "m", "v", None)
    for query in clustered(20, seed=17):
        found, cosines = index.top(query, 10, candidates=300)
        assert found.tolist() == exact.top(query, 10)[0].tolist()
        assert np.allclose(cosines, vectors[found - 1] @ query, atol=1e-6)  # exact float32 cosines
        codes_only = QuantisedIndex(index.rowids, index.codes, index.factors, index.codebook, "m", "v", None)
        assert len(set(codes_only.top(query, 10, candidates=300)[0].tolist()) & set(found.tolist())) >= 8


def test_a_replaced_archive_file_does_not_change_what_a_loaded_index_reads(tmp_path: Path) -> None:
    path = tmp_path / "archive.db"
    vectors = clustered(500, seed=18)
    index = load_vector_index(coded_archive(path, vectors), "k", exact_below=0)
    before = index.top(vectors[7], 5)
    coded_archive(tmp_path / "new.db", clustered(500, seed=19)).close()
    os.replace(tmp_path / "new.db", path)  # as publish swaps a new archive in
    after = index.top(vectors[7], 5)
    assert after[0].tolist() == before[0].tolist() and after[0][0] == 8 and np.allclose(after[1], before[1])


def test_a_comment_missing_from_feedback_vectors_is_refused_at_query_time(tmp_path: Path) -> None:
    vectors = clustered(300, seed=20)
    conn = coded_archive(tmp_path / "archive.db", vectors)
    index = load_vector_index(conn, "k", exact_below=0)
    conn.execute("delete from feedback_vectors where feedback_id = 'f7'")
    conn.commit()
    with pytest.raises(SearchUnavailable, match="feedback_vectors lack comments its vector_codes hold"):
        index.top(vectors[7], 5)


def test_an_archive_published_without_codes_is_searched_with_float32_vectors(tmp_path: Path) -> None:
    vectors = clustered(2000, seed=12)
    index = load_vector_index(archive_with_vectors(tmp_path / "old.db", vectors), "k", exact_below=0)
    assert isinstance(index, VectorIndex) and index.top(vectors[12], 1)[0].tolist() == [13]


def test_two_stage_search_over_codes_finds_the_exact_top_results() -> None:
    vectors = clustered(4200, seed=13)
    corpus, queries = vectors[:4000], vectors[4000:]
    codebook = fit_codebook(corpus)
    index = QuantisedIndex(np.arange(4000, dtype=np.int32), *codebook.encode(corpus), codebook, "m", "v", None)
    exact = VectorIndex(np.arange(4000), corpus, "m", "v", None)
    hits = 0
    for query in queries:
        found, cosines = index.top(query, 10, candidates=200)  # 5 % of the corpus re-ranked
        hits += len(set(found.tolist()) & set(exact.top(query, 10)[0].tolist()))
        assert list(cosines) == sorted(cosines, reverse=True)
        assert np.abs(cosines - corpus[found] @ query).max() < 0.01
    assert hits / (10 * len(queries)) >= 0.97


def put_vectors(conn: sqlite3.Connection, vectors: dict[str, np.ndarray]) -> None:
    """Add or replace comments and their vectors, and count them, as a publish does before the codes."""
    conn.executemany("insert or ignore into feedback values (?, 'x')", [(i,) for i in vectors])
    conn.executemany("insert or replace into feedback_vectors values (?, ?)", [(i, v.tobytes()) for i, v in vectors.items()])
    conn.execute("update vector_model set vectors = (select count(*) from feedback_vectors)")


def table(conn: sqlite3.Connection, name: str) -> list[tuple[object, ...]]:
    return conn.execute(f"select * from {name} order by 1").fetchall()


def test_an_incremental_update_codes_as_a_full_encoding_does_with_the_warehouse_codebook(tmp_path: Path) -> None:
    warehouse = open_warehouse(tmp_path / "warehouse.db")
    vectors = clustered(1400, seed=21)
    conn = archive_with_vectors(tmp_path / "archive.db", vectors[:600])
    assert write_codes(conn, warehouse) == {"vector_codebook": 1, "vector_codes": 600}
    first = table(conn, "vector_codebook")
    assert first[0][6] == 600  # fitted on the 600 vectors, and recorded in the warehouse
    # a night: 300 new comments, one changed, one deleted
    put_vectors(conn, {f"f{i}": vectors[i] for i in range(600, 900)} | {"f3": vectors[1300]})
    conn.execute("delete from feedback_vectors where feedback_id = 'f5'")
    conn.execute("update vector_model set vectors = 899")
    changed = {f"f{i}" for i in range(600, 900)} | {"f3", "f5"}
    assert update_codes(conn, warehouse, changed) == {"vector_codebook": 1, "vector_codes": 899}
    assert table(conn, "vector_codebook") == first  # the codebook is kept
    conn.commit()
    full = sqlite3.connect(tmp_path / "full.db")
    conn.backup(full)
    assert write_codes(full, warehouse) == {"vector_codebook": 1, "vector_codes": 899}
    assert table(full, "vector_codes") == table(conn, "vector_codes") and table(full, "vector_codebook") == first
    assert [r[0] for r in conn.execute("select feedback_id from vector_codes where feedback_id in ('f3', 'f5')")] == ["f3"]
    index = load_vector_index(conn, "k", exact_below=0)
    assert isinstance(index, QuantisedIndex) and index.top(vectors[1300], 1)[0].tolist() == [4]  # f3's new vector

    # twice the vectors it was fitted on: a new codebook, every comment encoded again
    put_vectors(conn, {f"f{i}": vectors[i] for i in range(900, 1201)})
    assert update_codes(conn, warehouse, {f"f{i}" for i in range(900, 1201)})["vector_codes"] == 1200
    refitted = table(conn, "vector_codebook")
    assert refitted != first and refitted[0][6] == 1200
    conn.commit()
    full.commit()
    conn.backup(full)
    assert write_codes(full, warehouse)["vector_codes"] == 1200
    assert table(full, "vector_codes") == table(conn, "vector_codes")


def test_codes_made_with_another_codebook_or_model_are_encoded_again(tmp_path: Path) -> None:
    warehouse = open_warehouse(tmp_path / "warehouse.db")
    conn = archive_with_vectors(tmp_path / "archive.db", clustered(500, seed=23))
    write_codes(conn, warehouse)
    before = table(conn, "vector_codes")
    # a publish killed after the warehouse recorded a codebook the archive in place was not coded with
    conn.execute("update vector_codebook set codebook = 'another'")
    conn.execute("update vector_codes set codes = zeroblob(length(codes))")
    update_codes(conn, warehouse, set())
    assert table(conn, "vector_codes") == before and table(conn, "vector_codebook")[0][0] != "another"
    # another model: fitted again
    conn.execute("update vector_model set model_version = '2'")
    update_codes(conn, warehouse, set())
    assert table(conn, "vector_codebook")[0][3] == "2" and len(table(conn, "vector_codes")) == 500


@pytest.mark.parametrize("value", ["not json", "[1, 2]", json.dumps(["x", "pca-int8/2", "minilm", "1", 384, 256, 10,
                                                                     "AAAA", "AAAA", "AAAA"])])
def test_an_unreadable_codebook_in_the_warehouse_is_fitted_again(tmp_path: Path, value: str) -> None:
    warehouse = open_warehouse(tmp_path / "warehouse.db")
    warehouse.execute("insert into publish_state (key, value, updated_at) values ('vector_codebook', ?, '')", [value])
    warehouse.conn.commit()
    conn = archive_with_vectors(tmp_path / "archive.db", clustered(300, seed=24))
    assert write_codes(conn, warehouse) == {"vector_codebook": 1, "vector_codes": 300}
    stored = json.loads(warehouse.execute("select value from publish_state where key = 'vector_codebook'").fetchone()[0])
    assert stored[0] == table(conn, "vector_codebook")[0][0]


# A broken vector_codes or vector_codebook: (SQL that breaks it, what the refusal says)
BROKEN = [
    ("update vector_codes set codes = substr(codes, 2) where feedback_id = 'f9'",
     f"vector_codes.codes holds {CODE_DIMS - 1} bytes"),
    ("update vector_codes set codes = null where feedback_id = 'f9'", "vector_codes.codes holds NoneType"),
    ("update vector_codes set factor = 'x' where feedback_id = 'f9'", "vector_codes.factor holds a non-number"),
    ("update vector_codebook set basis = zeroblob(10)", "vector_codebook.basis holds 10 bytes"),
    ("delete from vector_codes where feedback_id = 'f9'", "vector_codes hold 299 comments, its feedback_vectors 300"),
    ("update vector_model set vectors = 299", "vector_codes hold more comments than its feedback_vectors (299)"),
    ("update vector_codebook set format = 'pca-int4/9'", f"(pca-int4/9, {CODE_DIMS} of 384 dimensions) are not"),
    ("update vector_codebook set dim = 385", "vector_codebook.mean holds 1536 bytes, not 1540"),
    ("update vector_codebook set code_dims = 385", "are not pca-int8/2 codes"),
    ("delete from vector_codebook", "vector_codebook is empty"),
]


@pytest.mark.parametrize(("sql", "error"), BROKEN, ids=[e for _, e in BROKEN])
def test_broken_codes_are_refused_with_a_clear_error(tmp_path: Path, sql: str, error: str) -> None:
    conn = coded_archive(tmp_path / "archive.db", clustered(300, seed=14))
    assert isinstance(load_vector_index(conn, "k", exact_below=0), QuantisedIndex)
    conn.execute(sql)
    with pytest.raises(SearchUnavailable, match="publish it again") as refused:
        load_vector_index(conn, "k", exact_below=0)
    assert error in str(refused.value)


async def test_with_broken_codes_the_search_page_answers_by_keyword(tmp_path: Path) -> None:
    from datasette.app import Datasette

    from feedback.config import Config
    from feedback.pipeline import archive_extensions
    from feedback.publish import publish
    from feedback.warehouse import open_warehouse

    path = tmp_path / "archive.db"
    publish(open_warehouse(tmp_path / "warehouse.db"), path, extensions=archive_extensions(Config()))
    conn = sqlite3.connect(path)
    vectors = clustered(40, seed=15)
    conn.executemany("insert into feedback (id, text) values (?, ?)",
                     [(f"f{i}", f"parcel number {i} arrived late") for i in range(40)])
    conn.execute("insert into feedback_fts(feedback_fts) values ('rebuild')")
    conn.execute("create table if not exists feedback_vectors (feedback_id text primary key, vector blob)")
    conn.execute("create table if not exists vector_model (model text, model_version text, dim integer,"
                 " vectors integer)")
    conn.executemany("insert into feedback_vectors values (?, ?)", [(f"f{i}", v.tobytes()) for i, v in enumerate(vectors)])
    conn.execute("insert into vector_model values ('minilm', '1', 384, 40)")
    assert write_codes(conn) == {"vector_codebook": 1, "vector_codes": 40}
    conn.execute("update vector_codes set codes = substr(codes, 1, 100)")
    conn.commit()
    conn.close()
    ds = Datasette([str(path)], metadata={"plugins": {"feedback": {"exact_below": 0}}})
    page = await ds.client.get("/-/feedback/search?q=parcel+late&mode=hybrid")
    assert page.status_code == 200
    text = page.text
    assert "Search by meaning is unavailable" in text and "vector_codes.codes holds 100 bytes" in text
    assert text.count("parcel number") >= 10  # the keyword matches are shown


LABELLED = SHARED_DATA / "labelled"


@pytest.fixture(scope="module")
def real_vectors() -> tuple[np.ndarray, list[str]]:
    """1,300 real MiniLM vectors of customer queries (banking77 and clinc150 training texts)."""
    banking, clinc = LABELLED / "banking77" / "train.csv", LABELLED / "clinc150" / "data_full.json"
    for path in (banking, clinc):
        need(path.exists(), f"shared data not present: {path}")
    from feedback.embed import Embedder

    with banking.open(encoding="utf-8", newline="") as handle:
        texts = [row["text"] for row in csv.DictReader(handle)]
    texts += [text for text, _ in json.loads(clinc.read_text(encoding="utf-8"))["train"]]
    rng = np.random.default_rng(3)
    chosen = list(dict.fromkeys(texts[i] for i in rng.choice(len(texts), 1400, replace=False)))[:1300]
    return unit(Embedder().encode(chosen)), chosen


@pytest.mark.slow
def test_codes_of_real_embeddings_rank_as_float32_search_does(real_vectors: tuple[np.ndarray, list[str]],
                                                              tmp_path: Path) -> None:
    vectors, _ = real_vectors
    corpus, queries = vectors[:1200], vectors[1200:]  # 100 queries held out of the corpus
    index = load_vector_index(coded_archive(tmp_path / "archive.db", corpus), "k", exact_below=0)
    exact = VectorIndex(np.arange(1, 1201), corpus, "m", "v", None)
    assert isinstance(index, QuantisedIndex)
    codes_only = QuantisedIndex(index.rowids, index.codes, index.factors, index.codebook, "m", "v", None)
    overlaps, codes_overlaps, clear = [], [], 0
    for query in queries:
        truth, cosines = exact.top(query, 11)
        found, _ = index.top(query, 10)  # every code scored (1,200 comments are below the candidates)
        two_stage, _ = index.top(query, 10, candidates=120)  # 10 % of the corpus re-ranked
        alone, _ = codes_only.top(query, 10)
        overlaps += [len(set(f.tolist()) & set(truth[:10].tolist())) for f in (found, two_stage)]
        codes_overlaps.append(len(set(alone.tolist()) & set(truth[:10].tolist())))
        if cosines[0] - cosines[1] > 0.01:  # a clear winner: found first
            clear += 1
            assert found[0] == truth[0] and two_stage[0] == truth[0]
            assert truth[0] in alone[:3].tolist()  # codes alone: 256 of 384 axes, no float32 re-rank
    assert min(overlaps) >= 9 and clear >= 20, (overlaps, clear)
    assert min(codes_overlaps) >= 6 and sum(codes_overlaps) >= 0.9 * 10 * len(queries), codes_overlaps
    for row in (0, 600, 1199):  # a comment's own vector finds it first
        assert index.top(corpus[row], 1)[0].tolist() == [row + 1]

