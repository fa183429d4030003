"""cybertype: label cybercrime incident descriptions with keyword rules and a small text model.

    >>> import cybertype
    >>> r = cybertype.classify("他让我把银行卡出租给别人跑分，每天给三百块")
    >>> r.primary
    'two_cards'
"""
from __future__ import annotations

__version__ = "0.1.0"

from cybertype.classifier import Classifier, classify
from cybertype.result import Evidence, ErrorInfo, Result

__all__ = ["Classifier", "classify", "Result", "Evidence", "ErrorInfo", "__version__"]
