"""Reference of figure 2: jieba alone segmenting the texts of a JSON Lines file (import and initialize included).

    python benchmarks/jieba_segment.py WORKLOAD.jsonl
"""
import json
import logging
import sys

import jieba

jieba.setLogLevel(logging.WARNING)
jieba.initialize()
words = 0
with open(sys.argv[1], encoding="utf-8") as fh:
    for line in fh:
        if line.strip():
            words += len(jieba.lcut(json.loads(line)["text"]))
print(words)
