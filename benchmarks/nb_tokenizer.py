"""The tokenizer of the notebook pipeline, in its own module so joblib can pickle it by reference.

`TfidfVectorizer(tokenizer=jieba.lcut)` cannot be saved with joblib (`jieba.lcut` is a
bound method of a Tokenizer that holds a lock), so a notebook user wraps it in a
module-level function, exactly like this.
"""
import jieba


def jieba_lcut(text):
    return jieba.lcut(text)
