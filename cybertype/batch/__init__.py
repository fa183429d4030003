"""Folders and datasets: files -> work units (`walk`) -> an engine (`engines/`) -> the run (`run`).

`run` owns the output file, resume, the summary, --sort-into and progress; the engines only
classify units in order. `dataset` labels JSONL/Parquet datasets into folders of parts on Dask,
and `pipelines` offers building blocks for your own Dask pipelines.
"""
from cybertype.batch.engines.local import label_folder

__all__ = ["label_folder"]
