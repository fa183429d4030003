"""Records in (`inputs`: files, stdin, JSONL, JSON, CSV) and records out (`outputs`: JSONL, CSV, JSON, table)."""
