"""Building blocks for your own Dask pipelines: a bag or a DataFrame of texts -> result records.

The rules and model are read on the client and shipped once to every worker that needs them
(`ClassifierSpec`); each worker process builds its classifier once.
"""
from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from cybertype.batch.engines.dask import require_dask
from cybertype.batch.engines.dask_worker import ClassifierSpec, classifier_spec, worker_classifier
from cybertype.classifier import classify_records
from cybertype.io.inputs import InputRecord, id_text, row_record
from cybertype.io.outputs import record_dict
from cybertype.result import Result

RESULT_COLUMNS = ["id", "source", "labels", "primary", "scores", "evidence", "error", "warnings", "uncertain"]


def _spec_or_options(spec, options: dict):
    return spec if spec is not None else options


def _classify_bag_partition(items, spec, text_field: str, id_field: str, source_field: str | None) -> list[dict]:
    recs = []
    for item in items:
        if isinstance(item, str):
            recs.append(InputRecord(id=None, source=None, text=item))
        elif isinstance(item, dict):
            src = item.get(source_field) if source_field else None
            recs.append(row_record(item.get(text_field), id_text(item.get(id_field)),
                                    src if isinstance(src, str) else None, None, text_field))
        else:
            recs.append(row_record(item, None, None, None, text_field))
    return [record_dict(r) for r in classify_records(worker_classifier(spec), recs)]


def classify_bag(bag, *, text_field: str = "text", id_field: str = "id", source_field: str | None = None,
                 rules_dirs: Iterable[str | Path] = (), builtin_rules: bool = True, model="default"):
    """Map a Dask bag of texts (str) or records (dicts with `text_field`, and `id_field`) to a bag of result
    records (dicts, the JSON record of `cybertype schema`), in the same order.

    The rules and model are read here and shipped once to every worker that needs them; each worker
    builds its classifier once.
    """
    require_dask()
    import dask

    spec = dask.delayed(classifier_spec(rules_dirs, builtin_rules, model), pure=True)
    return bag.map_partitions(_classify_bag_partition, spec, text_field, id_field, source_field)


def result_frame(results: Iterable[Result | dict]):
    """A pandas DataFrame of result records: `RESULT_COLUMNS`, object columns (nested values kept)."""
    import pandas as pd

    rows = [r.model_dump(mode="json") if isinstance(r, Result) else r for r in results]
    return pd.DataFrame({c: pd.Series([row[c] for row in rows], dtype=object) for c in RESULT_COLUMNS})


def result_meta():
    """The empty frame to pass as `meta=` to `ddf.map_partitions(classify_partition, ...)`."""
    return result_frame([])


def classify_partition(df, *, text_field: str = "text", id_field: str = "id", source_field: str | None = None,
                       spec: ClassifierSpec | None = None, **options):
    """Result records of one pandas DataFrame (a Dask DataFrame partition), one row per input row, in order.

    Use with `ddf.map_partitions(classify_partition, text_field="body", meta=result_meta())`. The text comes
    from `text_field`; `id` from `id_field` and `source` from `source_field` when those columns exist (else
    None). A missing or non-string text gives an error record. `options` are `Classifier` keyword options
    (`rules_dirs`, `builtin_rules`, `model`: paths as seen by the worker), or pass a `spec`
    (`classifier_spec(...)`); either way each worker process builds its classifier once.
    """
    n = len(df)
    texts = df[text_field].tolist() if text_field in df.columns else [None] * n
    ids = df[id_field].tolist() if id_field in df.columns else [None] * n
    sources = df[source_field].tolist() if source_field and source_field in df.columns else [None] * n
    recs = [row_record(t, id_text(i), s if isinstance(s, str) else None, None, text_field)
            for t, i, s in zip(texts, ids, sources)]
    results = classify_records(worker_classifier(_spec_or_options(spec, options)), recs)
    frame = result_frame(results)
    frame.index = df.index
    return frame


def classify_dataframe(ddf, *, text_field: str = "text", id_field: str = "id", source_field: str | None = None,
                       rules_dirs: Iterable[str | Path] = (), builtin_rules: bool = True, model="default"):
    """`classify_partition` over every partition of a Dask DataFrame, with the rules and model read here
    and shipped to the workers (no rule or model file needed on them). Returns a Dask DataFrame."""
    require_dask()
    import dask

    spec = dask.delayed(classifier_spec(rules_dirs, builtin_rules, model), pure=True)
    return ddf.map_partitions(classify_partition, text_field=text_field, id_field=id_field,
                              source_field=source_field, spec=spec, meta=result_meta())
